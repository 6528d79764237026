#!/usr/bin/env bash
# Every benchmark in one run, on both backends (PostgreSQL: a throw-away cluster with durable
# defaults, or BENCH_POSTGRES_URL), each printing its figures beside its ceiling or target:
#   1. card creation through the HTTP API beside the raw durable insert rate, worker off, at 16/32/64
#      in flight, then the money movements on live cards;
#   2. the same with the provisioning worker on, at 32 in flight (target: >= 0.5x the raw rate);
#   3. live status: status change -> event received (PostgreSQL: on the other of two instances),
#      and create -> ACTIVE (target p99 <= 100 ms);
#   4. 10,000 open event streams on one instance: RSS, /healthz p99, creation while held;
#   5. a page of the card list at 100,000 cards;
#   6. the API-key and card-range cache.
# CARDKIT_BENCH_QUICK=1 runs each with small sizes: a check that the run works, not figures.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

quick=${CARDKIT_BENCH_QUICK:-}
pick() { if [ -n "$quick" ]; then echo "$2"; else echo "$1"; fi; }

step "Building the release server and the benchmarks"
cargo build --release --package server --bin cardkit
cargo build --release --package cardkit-bench
bin=target/release

step "1. Card creation, provisioning worker off, and the money movements"
# shellcheck disable=SC2046 # word splitting of the chosen flags is intended
"$bin/cardkit-bench" $(pick "" "--requests 300 --concurrency 32 --cards 2")

step "2. Card creation with the provisioning worker on (32 in flight)"
# shellcheck disable=SC2046
"$bin/cardkit-bench" --with-worker --concurrency 32 $(pick "" "--requests 300 --cards 2")

step "3. Live status: change -> event, create -> ACTIVE"
# shellcheck disable=SC2046
"$bin/cardkit-live-bench" $(pick "" "--cards 20")

step "4. Open event streams on one instance"
# shellcheck disable=SC2046
"$bin/cardkit-streams-bench" $(pick "" "--streams 200 --cards 10 --seconds 1")

step "5. The card list at 100,000 cards"
# shellcheck disable=SC2046
"$bin/cardkit-list-bench" $(pick "" "--cards 2000 --reads 20")

step "6. The API-key and card-range cache"
"$bin/cardkit-cache-bench"
note "every benchmark ran"
