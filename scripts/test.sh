#!/usr/bin/env bash
# Every check CI runs, in order of cost. Called by `make test` after the bootstrap.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
step() { printf '\n=== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (wasm32-unknown-unknown)"
cargo clippy --workspace --exclude vecscape-cli --target wasm32-unknown-unknown -- -D warnings
# The widget's builds: the app without its test hooks, the worker without Parquet/Arrow.
cargo clippy -p vecscape-widget --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p vecscape-worker --no-default-features --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p vecscape-core --no-default-features -- -D warnings

step "reference outputs on ../shared/data (numpy, scikit-learn, faiss)"
.venv/bin/python tests/reference/make_shared_reference.py

step "cargo test (native; wgpu tests need an adapter: Mesa lavapipe)"
VECSCAPE_REQUIRE_GPU=1 VECSCAPE_REQUIRE_REFERENCE=1 cargo test --workspace
# The widget's core: no Parquet/Arrow readers.
cargo test -p vecscape-core --no-default-features --test without_columnar

step "fuzz every reader for a few seconds (fuzz/README.md; the corpus replays in cargo test)"
bash fuzz/run.sh 4

step "map summaries vs WizMap's Python (same points and texts)"
.venv/bin/python tests/reference/compare_wizmap.py target/debug/vecscape

step "trunk build --release"
trunk build --release --offline
for wasm in dist/*_bg.wasm; do
  printf 'wasm size: %s bytes (%s)\n' "$(stat -c %s "$wasm")" "$wasm"
done

step "the <vecscape-map> widget (dist/widget) and the docs page (dist/examples)"
bash scripts/build-widget.sh

step "end-to-end tests in headless Chromium (both backends)"
node --test --test-concurrency=1 tests/e2e/*.test.mjs
