#!/usr/bin/env bash
# `make lint` (and the first layer of `make test`): formatting, clippy with warnings denied
# (the few allowed lints are in Cargo.toml's [workspace.lints], each with why), and the UI's
# TypeScript checked without emitting.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "rustfmt (cargo fmt --check)"
cargo fmt --all -- --check
say "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --color never -- -D warnings
say "TypeScript (tsc --noEmit)"
(cd ui && node_modules/.bin/tsc --noEmit -p .)
