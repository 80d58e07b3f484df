#!/usr/bin/env bash
# `make bench`: every performance figure of the README, measured now on this machine.
#  1. keepalive of 1,000 connections against the sandbox vs a bare reqwest loop (cargo bench);
#  2. the release build: start-up time to a shown window and memory of the whole process tree,
#     against a bare Tauri 2 window (bench/bare-tauri) built in the same run;
#  3. a deep link handed to the running release app until its row is Active, split into the
#     hand-over, the engine, Zoom's (the sandbox's) answers and the window;
#  4. scripts: `token` through the app's broker vs cold, the proxy's added latency, 50 scripts
#     across a keepalive refresh;
#  5. bulk runs: 1,000 deactivations at a Pro account's pace (alone, and beside another app
#     using half the budget), a run SIGKILLed 10 times and resumed, listing 14,000 users, and
#     the Users view of a 10,000-user account in the release app's window;
#  6. in the tray: memory with the window closed and after a start at login, the window opened
#     again (bench/tray-life.mjs);
#  7. on a server: from an empty headless host to a script served, a rotation's write to the
#     vault file and to the keychain, the SIGKILL test on both;
#  8. sizes: release binaries, .deb and .rpm.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
# A command in a D-Bus session of its own with a fresh, unlocked gnome-keyring (the real
# keychain) and fresh app data; under Xvfb with `in_keyring_x`.
in_keyring() {
  XDG_DATA_HOME=$(mktemp -d) dbus-run-session -- \
    sh -c 'echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' sh "$@"
}
in_keyring_x() {
  XDG_DATA_HOME=$(mktemp -d) xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- \
    sh -c 'echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' sh "$@"
}

say "Keepalive (engine against the sandbox; ZC_BENCH_CONNECTIONS=${ZC_BENCH_CONNECTIONS:-1000})"
cargo bench -p zoom-connections-engine --bench keepalive

say "Release builds: Zoom Connections (.deb, .rpm) and the bare Tauri window"
ui/node_modules/.bin/tauri build --bundles deb,rpm
(cd bench/bare-tauri && cargo build --release --target-dir ../../target/bare-tauri)
app=target/release/zoom-connections-app
cli=target/release/zoom-connections
bare=target/bare-tauri/release/bare-tauri
deb=$(ls target/release/bundle/deb/*.deb)
rpm=$(ls target/release/bundle/rpm/*.rpm)

say "Start-up and memory (release builds, Xvfb, 5 runs each, median)"
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- \
  node bench/startup.mjs 5 "Bare Tauri window|$bare|Bare Tauri" "Zoom Connections|$app|Zoom Connections"

say "In the tray: memory with the window shown, closed, and started at login; the window opened again (release builds, 3 runs, median)"
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- \
  node bench/tray-life.mjs 3 "$PWD/$app" "$PWD/$bare"

say "Deep link to Active (release build, the real window, 10 runs, median)"
in_keyring_x node bench/deep-link.mjs 10 "$PWD/$app"

say "Users view: a 10,000-user account in the real window (release build, 5 runs, median)"
in_keyring_x node bench/users-view.mjs 5 "$PWD/$app"

say "Scripts: token through the broker vs cold, the proxy, 50 scripts across a refresh (release build, real keychain)"
in_keyring cargo bench --bench scripts

say "Bulk runs at a Pro account's pace, and resumed after SIGKILL (release CLI, real keychain)"
in_keyring cargo bench --bench bulk

say "On a server: from an empty headless host to a script served; a rotation's write, vault file vs keychain (release CLI)"
in_keyring cargo bench --bench server

say "On a server: SIGKILL at random moments, keychain and vault file side by side (30 kills per operation each)"
cargo build -p zoom-connections-engine --examples
in_keyring cargo test -p zoom-connections-engine --test sigkill -- --include-ignored --nocapture 2>&1 | grep "^SIGKILL during"

say "Sizes"
size() { awk -v name="$1:" -v b="$(stat -c %s "$2")" 'BEGIN { printf "%-28s %6.1f MiB (%d bytes)\n", name, b / 1048576, b }'; }
size "app (release)" "$app"
size "command line (release)" "$cli"
size "bare Tauri window" "$bare"
size ".deb (both binaries)" "$deb"
size ".rpm (both binaries)" "$rpm"
