#!/usr/bin/env bash
# Builds the browser bundle into target/site/pkg: the `frontend` crate for wasm32, its JS glue
# (wasm-bindgen), size optimisation (wasm-opt -Oz) and the stylesheet. File names and folders come
# from the workspace's leptos metadata, the same values the server serves. The files get
# content-hashed names (listed in bundles.json for the server) and brotli/gzip siblings.
#
# This is the project's build driver in place of cargo-leptos, whose source install takes ~22 min
# on a 2-core machine and which cannot pass -Zbuild-std; everything it would do for us is below.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

name=$(leptos_meta output-name)
profile=$(leptos_meta lib-profile-release)
out="$(leptos_meta site-root)/$(leptos_meta site-pkg-dir)"
style=$(leptos_meta style-file)

# bundle <output name> [cargo feature]: one wasm32 build of `frontend`, its JS glue, wasm-opt.
bundle() {
    local output=$1 features=${2:-}
    step "Building the $output bundle (route: $(wasm_route), profile: $profile${features:+, features: $features})"
    wasm_cargo build --package frontend --lib --target wasm32-unknown-unknown --profile "$profile" \
        ${features:+--features "$features"}

    step "Generating JS bindings into $out"
    mkdir -p "$out"
    wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "$output" \
        "target/wasm32-unknown-unknown/$profile/frontend.wasm"

    step "Minifying the JS glue (terser)"
    node end2end/node_modules/terser/bin/terser "$out/$output.js" --module --compress --mangle \
        --output "$out/$output.js"

    step "Optimising the WASM for size (wasm-opt -Oz)"
    # The features Rust enables by default for wasm32; wasm-opt must accept them, not strip them.
    "$(wasm_opt_bin)" -Oz \
        --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        --converge "$out/${output}_bg.wasm" -o "$out/${output}_bg.wasm"
}

# The dashboard, and the widget partner sites embed: its own entry, so it carries only its code.
bundle "$name"
bundle "$name-widget" widget
cp style/widget.css "$out/$name-widget.css"

cp "$style" "$out/$name.css"

step "Content-hashing the bundle file names (served as immutable)"
node scripts/fingerprint-bundles.mjs "$out" "$name" "$name-widget"

step "Precompressing the bundles (brotli and gzip siblings)"
node scripts/precompress.mjs "$out"
if [ -d "$(leptos_meta assets-dir)" ]; then
    cp -R "$(leptos_meta assets-dir)/." "$(leptos_meta site-root)/"
fi
note "bundle ready in $out"
