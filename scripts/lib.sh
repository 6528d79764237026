# Shared helpers for the project's scripts. Sourced, not run.

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
    printf '\n\033[31mERROR:\033[0m %s\n' "$1" >&2
    shift
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    exit 1
}

# The API fuzzer's version (scripts/setup.sh installs it, scripts/fuzz-api.sh runs it).
SCHEMATHESIS_VERSION=4.32.5

# A value from the workspace's [[workspace.metadata.leptos]] table, e.g. `leptos_meta output-name`,
# as cargo itself reads the manifest (`cargo metadata`), not by pattern-matching TOML text.
leptos_meta() {
    cargo metadata --format-version 1 --no-deps --offline |
        node -e '
            let text = "";
            process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
                const value = JSON.parse(text).metadata.leptos[0][process.argv[1]];
                if (value === undefined) throw new Error(`no ${process.argv[1]} in [[workspace.metadata.leptos]]`);
                console.log(value);
            });' "$1"
}

# The version Cargo.lock pins for a crate, e.g. `locked_version wasm-bindgen`.
locked_version() {
    awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

# How this machine builds for wasm32:
#   rustup  - the rustup toolchain has the wasm32 standard library (the ordinary route);
#   debian  - Debian's rustc-web compiles std from source (-Zbuild-std) where rustup cannot
#             download the target;
#   none    - neither is available yet.
wasm_route() {
    local sysroot
    sysroot=$(rustc --print sysroot 2>/dev/null || true)
    if [ -n "$sysroot" ] && [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib" ]; then
        echo rustup
    elif [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] && wasm_linker >/dev/null; then
        echo debian
    else
        echo none
    fi
}

wasm_linker() {
    local candidate
    for candidate in /usr/lib/llvm-*/bin/wasm-ld; do
        [ -x "$candidate" ] && echo "$candidate"
    done | sort -V | tail -n 1 | grep .
}

# The rustup toolchain has its standard library's sources (component rust-src).
rustup_std_source() {
    local sysroot
    sysroot=$(rustc --print sysroot 2>/dev/null || true)
    [ -n "$sysroot" ] && [ -d "$sysroot/lib/rustlib/src/rust/library/std" ]
}

# With the standard library's sources at hand, the browser bundles rebuild it for size: panics
# abort at once (no message formatting), no Debug formatting, no source locations. This is what
# keeps the widget's bundle within its budget; without rust-src the build still works, larger.
WASM_SIZE_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none"

# More flags for one build, e.g. the console's, which keeps the linker's relocations for the
# splitter: `WASM_EXTRA_RUSTFLAGS=... wasm_cargo build ...`.
WASM_EXTRA_RUSTFLAGS=${WASM_EXTRA_RUSTFLAGS:-}

# cargo, invoked the way the current wasm route needs for `--target wasm32-unknown-unknown`.
wasm_cargo() {
    case "$(wasm_route)" in
        rustup)
            if rustup_std_source; then
                CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_SIZE_RUSTFLAGS $WASM_EXTRA_RUSTFLAGS" \
                    RUSTC_BOOTSTRAP=1 cargo "$@" -Zbuild-std=std,panic_abort
            else
                CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_EXTRA_RUSTFLAGS" cargo "$@"
            fi
            ;;
        debian)
            CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$(wasm_linker)" \
                CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_EXTRA_RUSTFLAGS" \
                RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
                /usr/bin/cargo "$@" -Zbuild-std=std,panic_abort
            ;;
        *) die "no Rust toolchain can build for wasm32 yet" "run: scripts/setup.sh" ;;
    esac
}

# wasm-opt comes from the npm package `binaryen`, pinned in end2end/package-lock.json.
wasm_opt_bin() { echo "$PWD/end2end/node_modules/.bin/wasm-opt"; }

# Chromium for the end-to-end tests: $CHROMIUM_PATH, else the distribution's browser.
chromium_bin() {
    local candidate
    for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
        [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    return 1
}
