# The two commands of the README, and helpers. Everything installs what it needs first.
.PHONY: run test setup lint test-rust test-ui test-e2e bench bundle fuzz bindings setup-run setup-test

run: setup-run
	scripts/run.sh

# Every layer: lint, Rust, SIGKILL, UI, the app built, end to end, the package.
test: setup-test
	tests/run-all.sh

# Installs what `make test` needs (and says what before installing), without running anything.
setup: setup-test

# One layer at a time (CONTRIBUTING.md, Fast loops).
lint: setup-test
	scripts/lint.sh
test-rust: setup-test
	tests/run-all.sh rust
test-ui: setup-test
	tests/run-all.sh ui
test-e2e: setup-test
	tests/run-all.sh e2e

# Figures, not assertions: keepalive of 1,000 connections vs a bare reqwest loop (heap per
# connection, idle wake-ups); start-up time and memory of the release build vs a bare Tauri
# window; binary and .deb sizes. ZC_BENCH_CONNECTIONS=N for another keepalive size.
bench: setup-test
	scripts/bench.sh

# The release .deb and .rpm (their desktop entry registers zoom-connections://), copied to
# artifacts/. Tauri's bundler writes the .rpm itself: no rpmbuild, no network.
bundle: setup-run
	. scripts/env.sh && ui/node_modules/.bin/tauri build --bundles deb,rpm
	mkdir -p artifacts && cp target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm artifacts/
	@ls -la artifacts/*.deb artifacts/*.rpm

# libFuzzer on the stable toolchain over the callback URL and Zoom-answer targets (fuzz/);
# FUZZ_SECONDS per target (default 120). The corpus it keeps is replayed by `make test`.
fuzz:
	scripts/fuzz.sh

# Regenerates ui/src/bindings.ts from the Rust command and event types (tauri-specta); a test in
# `make test` fails while it is stale.
bindings:
	. scripts/env.sh && ZC_WRITE_BINDINGS=1 cargo test --lib ipc::tests::generated_bindings_are_up_to_date

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test
