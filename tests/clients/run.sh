#!/usr/bin/env bash
# Zoom client libraries nobody on this team wrote, unchanged, against the sandbox (the sandbox's
# README, Behaviour): zoomus from PyPI (a venv in target/ with requirements.txt's pins) and
# @zoom/rivet from npm (package-lock.json, installed by scripts/setup.sh), the `zoom-sandbox`
# command with a 700-user account, and each client's script.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
venv=target/clients-venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/clients/requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
  cp tests/clients/requirements.txt "$venv/requirements.txt"
fi
cargo build --quiet -p zoom-sandbox --bin zoom-sandbox
out=$(mktemp)
target/debug/zoom-sandbox --populate acct_contoso:700:7 >"$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
url=$(head -n1 "$out")
[ -n "$url" ] || { echo "the sandbox did not start" >&2; exit 1; }
"$venv/bin/python" tests/clients/zoomus_check.py "$url"
node tests/clients/rivet_check.mjs "$url"
