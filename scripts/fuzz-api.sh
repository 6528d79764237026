#!/usr/bin/env bash
# Property-based API fuzzing: schemathesis (every check) against a real server on SQLite, driven by
# the server's own /api/openapi.json. Both run inside a network namespace of their own with only a
# loopback interface, so nothing the fuzzer makes up (callback URLs, hosts) can reach any other
# address. Bounded in examples and time; prints schemathesis's summary and fails on any finding.
#   scripts/fuzz-api.sh [max-examples]    (default 25)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

max_examples=${1:-25}
venv=target/schemathesis
"$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" ||
    CARDKIT_SETUP_FUZZER=1 scripts/setup.sh
# Always built: cargo is quick when nothing changed, and a stale binary would fuzz old code.
[ "${CARDKIT_IN_FUZZ_NAMESPACE:-}" = 1 ] || cargo build --quiet --package server --bin cardkit

if [ "${CARDKIT_IN_FUZZ_NAMESPACE:-}" != 1 ]; then
    command -v unshare >/dev/null || die "unshare (util-linux) is needed to isolate the fuzzer"
    exec env CARDKIT_IN_FUZZ_NAMESPACE=1 unshare --user --map-root-user --net "$0" "$@"
fi

ip link set lo up
data=$(mktemp -d)
port=3917
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
target/debug/cardkit --data-dir "$data" --listen "127.0.0.1:$port" --stage-delay-ms 5 \
    --kyc-review-delay-ms 5 --rate-limit-per-key 0 --rate-limit-per-address 0 \
    --widget-creations-per-minute 0 --widget-reveals-per-minute 0 --log warn >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    [ -s "$data/sandbox-api-key" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
done
key=$(cat "$data/sandbox-api-key")

step "Fuzzing the API (schemathesis $("$venv/bin/schemathesis" --version | awk '{print $3}'), every check, $max_examples examples per operation)"
timeout 300 "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "http://127.0.0.1:$port/api/openapi.json" \
    --max-examples "$max_examples" --seed "${FUZZ_SEED:-1}" --no-color \
    -H "Authorization: Bearer $key" --request-timeout 10 ||
    { tail -n 30 "$data/server.log"; die "schemathesis found failures (above)"; }
