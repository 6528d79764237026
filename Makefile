# The two commands a newcomer needs; see README.md. Both install whatever is missing first.
.PHONY: run test setup site bundle-size bench fuzz

run: setup site
	cargo run --package server --bin cardkit

test:
	CARDKIT_SETUP_FUZZER=1 scripts/setup.sh
	scripts/test.sh

setup:
	scripts/setup.sh

site:
	scripts/build-site.sh

bundle-size: site
	node scripts/bundle-size.mjs

# Every benchmark in one run, both backends (scripts/bench.sh; README: Benchmark).
bench: setup
	scripts/bench.sh

# Property-based API fuzzing (schemathesis, every check) in a loopback-only network namespace.
fuzz: setup
	scripts/fuzz-api.sh
