#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer on the stable toolchain (`make fuzz`). cargo-fuzz needs a
# nightly compiler for its sanitizers; the machine has only stable, so this builds the same
# cargo-fuzz targets (fuzz/) with the stable SanitizerCoverage flags cargo-fuzz itself passes, minus
# AddressSanitizer (safe Rust; a panic or an overflow is what is hunted: overflow checks and debug
# assertions are on). Each target runs FUZZ_SECONDS (default 120), starting from the named seeds
# (fuzz/seeds/), the crash regressions (fuzz/regressions/) and this machine's earlier corpus
# (fuzz/corpus/, not in git: libFuzzer names its thousands of inputs by hash and rewrites them
# on every merge). A crash lands in artifacts/fuzz/; once fixed, copy it into fuzz/regressions/
# under a name that says what it was: `make test` replays seeds and regressions.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
seconds=${FUZZ_SECONDS:-120}
triple=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
# --target keeps the instrumentation off build scripts (they cannot link libFuzzer's counters).
cargo build --release --manifest-path fuzz/Cargo.toml --target "$triple" --target-dir target/fuzz
bin=target/fuzz/$triple/release
mkdir -p artifacts/fuzz
for target in callback_url zoom_answers; do
  work=$(mktemp -d)
  mkdir -p fuzz/corpus/$target
  cp fuzz/seeds/$target/* fuzz/regressions/$target/* "$work"/
  cp fuzz/corpus/$target/* "$work"/ 2>/dev/null || true
  echo "==> fuzzing $target for ${seconds}s"
  "$bin/$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix=artifacts/fuzz/$target- "$work" 2>&1 | tee "artifacts/fuzz/$target.log" | grep -E '^(stat::|==|SUMMARY)' || true
  # Keep (locally) a minimal corpus that covers everything found.
  fresh=$(mktemp -d)
  "$bin/$target" -merge=1 "$fresh" fuzz/corpus/$target "$work" >/dev/null 2>&1
  rm -f fuzz/corpus/$target/*
  cp "$fresh"/* fuzz/corpus/$target/
  echo "    corpus: $(ls fuzz/corpus/$target | wc -l) inputs"
  rm -rf "$work" "$fresh"
done
if ls artifacts/fuzz/*-crash-* >/dev/null 2>&1; then
  echo "Crashes found: artifacts/fuzz/*-crash-* (replay one: $bin/<target> <file>)" >&2
  exit 1
fi
