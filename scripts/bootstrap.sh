#!/usr/bin/env bash
# Idempotent set-up: installs what vecscape's build and tests need and skips what is present.
# Called by `make run` and `make test`; safe to run again at any time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_BINDGEN_VERSION="0.2.130" # keep equal to the `=` pin in Cargo.toml
TRUNK_VERSION="0.21.14"
CARGO_FUZZ_VERSION=0.13.2
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

# --- Debian packages: browser, driver, Mesa lavapipe for native wgpu tests, clang ------------
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || need_apt+=(mesa-vulkan-drivers)
dpkg -s libvulkan1 >/dev/null 2>&1 || need_apt+=(libvulkan1)
# clang compiles the zstd C library (ZSTD Parquet and Arrow IPC) for wasm32; llvm-ar archives it.
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v llvm-ar >/dev/null 2>&1 || need_apt+=(llvm)
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# --- Rust: wasm target, trunk, wasm-bindgen-cli ----------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if ! rustup component list --installed | grep -q '^clippy'; then rustup component add clippy; fi
if ! rustup component list --installed | grep -q '^rustfmt'; then rustup component add rustfmt; fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  log "cargo install trunk $TRUNK_VERSION"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi
# The readers' fuzz targets (fuzz/README.md); CI runs each for a few seconds.
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  log "cargo install cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --force
fi

# --- npm packages: the end-to-end harness, wasm-opt and esbuild (from the lockfile) ----------
if [ -f "$ROOT/web/e2e/package-lock.json" ]; then
  # binaryen: wasm-opt for the widget's build; esbuild: the widget's bundling test.
  missing_npm=0
  for pkg in playwright-core flexsearch binaryen esbuild; do
    [ -d "$ROOT/web/e2e/node_modules/$pkg" ] || missing_npm=1
  done
  if [ "$missing_npm" = 1 ]; then
    log "npm ci (web/e2e)"
    (cd "$ROOT/web/e2e" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# --- Python venv for reference fixtures (numpy, scikit-learn) --------------------------------
if [ -f "$ROOT/tests/reference/requirements.txt" ]; then
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    log "python venv"
    python3 -m venv "$ROOT/.venv"
  fi
  if ! cmp -s "$ROOT/tests/reference/requirements.txt" "$ROOT/.venv/.requirements.installed" 2>/dev/null; then
    "$ROOT/.venv/bin/pip" install -q -r "$ROOT/tests/reference/requirements.txt"
    cp "$ROOT/tests/reference/requirements.txt" "$ROOT/.venv/.requirements.installed"
  fi
fi
log "ready"
