#!/usr/bin/env bash
# Build the embeddable `<vecscape-map>` element into dist/widget/ (README: "Embed in your docs"):
# the app as a wasm module (crates/widget) and its compute worker without the Parquet/Arrow
# readers, both with whole-program LTO (profile `widget`) and wasm-opt -Oz, beside the element's
# script, its styles and package.json; and the docs-page example into dist/examples/. Run after
# `trunk build` (which empties dist/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
OUT=dist/widget
STAGE=target/widget
WASM_OPT=web/e2e/node_modules/.bin/wasm-opt
TARGET=wasm32-unknown-unknown
BUILT=target/$TARGET/widget

[ -x "$WASM_OPT" ] || { echo "build-widget: $WASM_OPT missing: run scripts/bootstrap.sh" >&2; exit 1; }

cargo build --profile widget --target $TARGET -p vecscape-widget --lib
cargo build --profile widget --target $TARGET -p vecscape-worker --bin vecscape-worker --no-default-features --features no-log

rm -rf "$STAGE" "$OUT"
mkdir -p "$STAGE" "$OUT"
wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name vecscape_widget "$BUILT/vecscape_widget.wasm"
wasm-bindgen --target no-modules --no-typescript --out-dir "$STAGE" --out-name vecscape_worker "$BUILT/vecscape-worker.wasm"

# The features rustc emits for wasm32 (simd128 is ours: .cargo/config.toml).
FEATURES=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-reference-types --enable-multivalue --enable-mutable-globals)
for name in vecscape_widget vecscape_worker; do
  "$WASM_OPT" -Oz "${FEATURES[@]}" "$STAGE/${name}_bg.wasm" -o "$OUT/${name}_bg.wasm"
  cp "$STAGE/$name.js" "$OUT/$name.js"
done
cp web/widget/vecscape-map.js web/widget/package.json web/widget/README.md "$OUT/"
# The element's styles (its box is in vecscape-map.js): the app's stylesheet scoped to the
# shadow root, then the widget's layout.
{
  sed -e 's/^:root {/:host {/' -e '/^html, body {/d' web/style.css
  cat web/widget/widget.css
} > "$OUT/vecscape-map.css"

# The docs-page example (two elements and an iframe), served from the same folder as the app.
rm -rf dist/examples
mkdir -p dist/examples/docs-page
cp -r examples/docs-page/index.html examples/docs-page/data dist/examples/docs-page/

for wasm in "$OUT"/*.wasm; do
  printf 'widget wasm: %s bytes, %s gzipped (%s)\n' "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)" "$wasm"
done
