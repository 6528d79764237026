#!/usr/bin/env bash
# Builds the browser bundles into target/site/pkg: the `frontend` crate for wasm32, its JS glue
# (wasm-bindgen), size optimisation (wasm-opt -Oz) and the stylesheet. The console's bundle is cut
# at its lazy routes into a main module and parts a page loads when it is shown. File names
# and folders come from the workspace's leptos metadata, the same values the server serves. The
# files get content-hashed names (listed in bundles.json for the server) and brotli/gzip siblings.
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

# bundle <output name> [cargo feature] [split]: one wasm32 build of `frontend`, its JS glue,
# wasm-opt. With `split`, the bundle is cut at its lazy routes (frontend/wasm-split) into a main
# module and lazily loaded parts, and goes into a folder of its own, `<pkg>/<output name>/`.
bundle() {
    local output=$1 features=${2:-} split=${3:-}
    step "Building the $output bundle (route: $(wasm_route), profile: $profile${features:+, features: $features})"
    # The splitter reads the linker's relocations, which must be kept in the output. The flag has
    # a build folder of its own: a bundle linked with it is 100 times larger unless split (wasm-opt
    # cannot optimise it), and sharing the folder would rebuild everything at each switch.
    local target=target extra_flags=
    if [ "$split" = split ]; then
        target=target/wasm-split extra_flags="-Clink-args=--emit-relocs"
    fi
    WASM_EXTRA_RUSTFLAGS="$extra_flags" CARGO_TARGET_DIR="$target" \
        wasm_cargo build --package frontend --lib --target wasm32-unknown-unknown --profile "$profile" \
        ${features:+--features "$features"}

    local wasm="$target/wasm32-unknown-unknown/$profile/frontend.wasm" dest="$out" bindgen_flags=()
    if [ "$split" = split ]; then
        dest="$out/$output"
        rm -rf "$dest"
        step "Splitting the $output bundle at its lazily loaded routes (cardkit-wasm-split)"
        cargo run --quiet --release --package cardkit-wasm-split -- "$wasm" "$dest" "$output"
        wasm="$dest/$output.wasm"
        # The chunks call into the main module through the linker's export names: keep them.
        bindgen_flags=(--keep-lld-exports --no-demangle)
    fi

    step "Generating JS bindings into $dest"
    mkdir -p "$dest"
    wasm-bindgen --target web --no-typescript "${bindgen_flags[@]}" --out-dir "$dest" \
        --out-name "$output" "$wasm"
    [ "$split" = split ] && rm "$wasm"

    step "Minifying the JS (terser)"
    local js
    for js in "$dest/$output.js" "$dest"/__wasm_split.*.js; do
        [ -f "$js" ] || continue
        node end2end/node_modules/terser/bin/terser "$js" --module --compress --mangle --output "$js"
    done

    step "Optimising the WASM for size (wasm-opt -Oz)"
    # Every module, on every core (a split per page made hundreds of them). The splitter writes a
    # name subsection binaryen does not know; it warns once per module and drops it. The --enable
    # flags are the features Rust enables by default for wasm32: accepted, not stripped.
    local module
    for module in "$dest/${output}_bg.wasm" "$dest"/split_*.wasm "$dest"/chunk_*.wasm; do
        if [ -f "$module" ]; then printf '%s\0' "$module"; fi
    done | xargs -0 -P "$(nproc)" -I{} "$(wasm_opt_bin)" -Oz \
        --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        --converge {} -o {} 2>&1 | { grep -v "unknown name subsection" || true; }
}

# The dashboard, and the widget partner sites embed: its own entry, so it carries only its code.
bundle "$name" console split
bundle "$name-widget" widget
cp style/widget.css "$out/$name-widget.css"

cp "$style" "$out/$name/$name.css"

step "Content-hashing the bundle file names (served as immutable)"
node scripts/fingerprint-bundles.mjs "$out" "$name" "$name-widget"

step "Precompressing the bundles (brotli and gzip siblings)"
node scripts/precompress.mjs "$out"
if [ -d "$(leptos_meta assets-dir)" ]; then
    cp -R "$(leptos_meta assets-dir)/." "$(leptos_meta site-root)/"
fi
note "bundle ready in $out"
