# The two commands of the README, and helpers. Everything installs what it needs first.
.PHONY: run test bench setup-run setup-test

run: setup-run
	scripts/run.sh

test: setup-test
	tests/run-all.sh

# Figures, not assertions: keepalive of 1,000 connections against the sandbox vs a bare reqwest
# loop, heap per connection, idle wake-ups. ZC_BENCH_CONNECTIONS=N for another size.
bench: setup-run
	cargo bench -p zoom-connections-engine --bench keepalive

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test
