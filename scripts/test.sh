#!/usr/bin/env bash
# Every check Cardkit has, in order of cost: formatting, lints, unit and integration tests (the
# store tests on SQLite and PostgreSQL), the browser bundle, and the Playwright suite in headless
# Chromium against the real server, and the API fuzzer. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
started=$SECONDS
# A one-shot build gains nothing from incremental compilation, and its caches took 4 GB beside
# the 40-odd test binaries (each links the whole server): a full disk failed a run.
export CARGO_INCREMENTAL=0

step "Formatting (cargo fmt --check)"
cargo fmt --all --check

step "Lints: server side (clippy -D warnings, all targets)"
cargo clippy --all-targets -- -D warnings

step "Lints: browser crate (clippy -D warnings, all targets, hydrate feature)"
cargo clippy --package frontend --all-targets --features console -- -D warnings
cargo clippy --package frontend --all-targets --features widget -- -D warnings

step "Unit and integration tests (SQLite and PostgreSQL)"
if [ -n "${TEST_DATABASE_URL:-}" ]; then
    note "PostgreSQL: TEST_DATABASE_URL"
else
    note "PostgreSQL: a throw-away cluster started by the test harness"
fi
cargo test

step "Browser bundle"
scripts/build-site.sh
pkg="$(leptos_meta site-root)/$(leptos_meta site-pkg-dir)"
node scripts/bundle-size.mjs "$pkg" "$(leptos_meta output-name)"
node scripts/bundle-size.mjs "$pkg" "$(leptos_meta output-name)-widget" 120

step "End-to-end tests (Playwright, headless Chromium)"
cargo build --package server --bin cardkit
(cd end2end && npx playwright test)

step "API fuzzing (schemathesis, every check, in a loopback-only network namespace)"
scripts/fuzz-api.sh

step "Widget: time from navigation to an interactive form (printed, not asserted)"
(cd end2end && node widget-budget.mjs)

step "Console: time to interactive of the card table with 1,000 cards (printed, not asserted)"
(cd end2end && node console-budget.mjs)

step "All checks passed in $((SECONDS - started)) s"
