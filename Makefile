# The two commands of the README, and helpers. Everything installs what it needs first.
.PHONY: run test setup-run setup-test

run: setup-run
	scripts/run.sh

test: setup-test
	tests/run-all.sh

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test
