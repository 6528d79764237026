#!/usr/bin/env bash
# Installs whatever this machine is missing to build, run and test Cardkit. Idempotent: every step
# checks first and does nothing when its tool is already there, so `make run` / `make test` call it
# every time. Follows the toolchain notes for machines where rustup cannot download the wasm32 target
# (Debian's rustc-web + -Zbuild-std) and uses the ordinary rustup route where it can.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

apt_packages=()
want_apt() { apt_packages+=("$@"); }

can_apt() { command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || command -v sudo >/dev/null; }; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

have_initdb() {
    command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

rustup_can_download() {
    command -v rustup >/dev/null &&
        curl -sfI --max-time 8 https://static.rust-lang.org/dist/channel-rust-stable.toml.sha256 >/dev/null 2>&1
}

step "Checking the Rust toolchain"
command -v cargo >/dev/null ||
    die "cargo is not installed" "install Rust with rustup: https://rustup.rs, then run this again"
note "$(cargo --version)"
for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        rustup_can_download ||
            die "the Rust component $component is missing and rustup cannot download it" \
                "install it with: rustup component add $component"
        rustup component add "$component"
    fi
done

step "Checking the wasm32 toolchain"
route=$(wasm_route)
if [ "$route" = none ] && rustup_can_download; then
    note "adding the wasm32 target with rustup"
    # Bounded: where the network only half works rustup can hang; the Debian route is the fallback.
    timeout 600 rustup target add wasm32-unknown-unknown || note "rustup could not add wasm32"
    route=$(wasm_route)
fi
if [ "$route" = rustup ] && ! rustup_std_source && rustup_can_download; then
    note "adding rust-src: the browser bundles rebuild the standard library for size"
    timeout 600 rustup component add rust-src || note "rustup could not add rust-src: bundles will be larger"
fi
if [ "$route" = none ]; then
    note "rustup cannot provide wasm32 here: using Debian's rustc-web with -Zbuild-std"
    want_apt rustc-web cargo-web rust-web-src lld-22
fi

step "Checking system packages"
command -v node >/dev/null && command -v npm >/dev/null || want_apt nodejs npm
have_initdb || want_apt postgresql
chromium_bin >/dev/null || { command -v apt-get >/dev/null && want_apt chromium; }
command -v curl >/dev/null || want_apt curl
# The API fuzzer (scripts/fuzz-api.sh): a Python venv for schemathesis, and unshare to give it a
# network namespace of its own.
python3 -c 'import ensurepip, venv' 2>/dev/null || want_apt python3-venv
command -v unshare >/dev/null || want_apt util-linux
command -v ip >/dev/null || want_apt iproute2

if [ ${#apt_packages[@]} -gt 0 ]; then
    can_apt || die "missing system packages: ${apt_packages[*]}" \
        "install them with your package manager (on Debian/Ubuntu: apt-get install ${apt_packages[*]})"
    note "installing with apt-get: ${apt_packages[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi
route=$(wasm_route)
[ "$route" != none ] || die "still no way to build for wasm32" \
    "either run: rustup target add wasm32-unknown-unknown" \
    "or on Debian: apt-get install rustc-web cargo-web rust-web-src lld-22"
note "wasm32 route: $route"
have_initdb || die "PostgreSQL's initdb was not found" "install the PostgreSQL server binaries (Debian: apt-get install postgresql)"
note "postgres: $( (command -v initdb || ls /usr/lib/postgresql/*/bin/initdb) | tail -n 1)"

step "Checking wasm-bindgen-cli (must equal Cargo.lock's wasm-bindgen)"
wanted=$(locked_version wasm-bindgen)
[ -n "$wanted" ] || die "Cargo.lock does not pin wasm-bindgen" "run: cargo generate-lockfile"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wanted" ]; then
    note "installing wasm-bindgen-cli $wanted (a few minutes)"
    # Not --locked: the CLI's own lockfile pins a webpki-roots release the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$wanted" --force
fi
note "$(wasm-bindgen --version)"

step "Checking the end-to-end packages (Playwright, binaryen's wasm-opt)"
lock=end2end/package-lock.json
installed=end2end/node_modules/.package-lock.json
if [ ! -f "$installed" ] || [ "$lock" -nt "$installed" ]; then
    (cd end2end && npm ci --no-audit --no-fund)
fi
note "wasm-opt: $("$(wasm_opt_bin)" --version)"

if ! chromium_bin >/dev/null; then
    note "no system Chromium: asking Playwright for its own"
    (cd end2end && npx playwright install chromium) ||
        die "no Chromium for the end-to-end tests" "install Chromium and/or set CHROMIUM_PATH to its binary"
else
    note "chromium: $("$(chromium_bin)" --version 2>/dev/null | head -n 1)"
fi

# The API fuzzer, pinned like every tool the checks depend on (PyPI; installed into target/ once).
# Only for `make test` and `make fuzz`: `make run` needs no Python package.
if [ "${CARDKIT_SETUP_FUZZER:-}" = 1 ]; then
    step "Checking the API fuzzer (schemathesis $SCHEMATHESIS_VERSION)"
    venv=target/schemathesis
    if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
    fi
    note "$("$venv/bin/schemathesis" --version)"
fi

step "Setup complete"
