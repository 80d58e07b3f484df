#!/usr/bin/env bash
# Every test layer, in a private X server (Xvfb) and D-Bus session with an unlocked gnome-keyring,
# with fresh XDG directories so that nothing of the user's own app data is touched.
# Each layer prints its runner's summary; any failing layer fails the whole run.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

# Free space where cargo writes, in GiB (empty if df cannot tell). A clean run needs about
# ZC_DISK_NEEDED_GIB, less without incremental caches as CI builds (docs/benchmarks.md, Disk);
# with less, a layer fails on a full disk with a message of its own (tar, the linker) that does
# not say so.
disk_free_gib() {
  local dir=${CARGO_TARGET_DIR:-target}
  [ -d "$dir" ] || dir=.
  df -Pk "$dir" 2>/dev/null | awk 'NR == 2 && $4 ~ /^[0-9]+$/ { printf "%d", $4 / 1048576 }'
}
if [ "${CARGO_INCREMENTAL:-}" = 0 ]; then ZC_DISK_NEEDED_GIB=5; else ZC_DISK_NEEDED_GIB=8; fi

if [ -z "${ZC_TEST_SESSION:-}" ]; then
  export ZC_TEST_SESSION=1
  free=$(disk_free_gib)
  if [ -n "$free" ]; then
    echo "disk: ${free} GiB free for target/ (a clean run needs about ${ZC_DISK_NEEDED_GIB} GiB)"
    if [ "$free" -lt "$ZC_DISK_NEEDED_GIB" ]; then
      echo "WARNING: less than ${ZC_DISK_NEEDED_GIB} GiB free: layers may fail on a full disk (cargo clean frees target/)" >&2
    fi
  fi
  scratch=$(mktemp -d -t zc-test-XXXXXX)
  export XDG_DATA_HOME=$scratch/data XDG_CONFIG_HOME=$scratch/config XDG_CACHE_HOME=$scratch/cache
  export XDG_RUNTIME_DIR=$scratch/runtime
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  # Without a session bus GTK starts a stray dbus-daemon and single instance cannot forward.
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- "$0" "$@"
  status=$?
  rm -rf "$scratch"
  exit $status
fi

# Each keychain-using layer runs in a D-Bus session of its own with a fresh gnome-keyring,
# unlocked with a throwaway password: the real Secret Service, and no layer inherits another's
# keyring state (a client killed mid-call — the SIGKILL test does that 50 times — can leave
# gnome-keyring unresponsive for a while). The password and keyring directory are passed on for
# the test that restarts the daemon (engine/tests/keychain_restart.rs).
with_keyring() {
  local name=$1; shift
  local keyring_home="$XDG_DATA_HOME/keyring-$name"
  mkdir -p "$keyring_home"
  dbus-run-session -- env XDG_DATA_HOME="$keyring_home" ZC_KEYRING_PASSWORD=zc-test ZC_KEYRING_DATA_HOME="$keyring_home" sh -c \
    'echo -n "$ZC_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec env XDG_DATA_HOME="$0" "$@"' \
    "$XDG_DATA_HOME" "$@"
}

failed=()
layer() {
  local name=$1; shift
  printf '\n\033[1m==> %s\033[0m\n' "$name"
  if "$@"; then echo "--- $name: ok"; else echo "--- $name: FAILED"; failed+=("$name"); fi
}

build_e2e_app() {
  # `tauri build` embeds the UI (a plain cargo build loads the dev server instead), and bundles
  # the debug .deb and .rpm the package tests install. Copy them aside: a later cargo build
  # would overwrite target/debug with the dev variant.
  rm -rf target/debug/bundle/deb target/debug/bundle/rpm
  ui/node_modules/.bin/tauri build --debug --bundles deb,rpm \
    && mkdir -p target/e2e && cp target/debug/zoom-connections-app target/debug/zoom-connections target/e2e/ \
    && cp target/debug/bundle/deb/*.deb target/e2e/zoom-connections.deb \
    && cp target/debug/bundle/rpm/*.rpm target/e2e/zoom-connections.rpm
}

# Which layers: all by default; `tests/run-all.sh lint|rust|ui|clients|e2e [e2e test files…]` runs one.
only=${1:-all}
shift || true
want() { [ "$only" = all ] || [ "$only" = "$1" ]; }

want lint && layer "Lint: rustfmt, clippy, tsc" scripts/lint.sh

# The real keychain for the engine's tests, and the tests that need it (ignored in a plain run).
export ZC_REAL_KEYCHAIN=1
if want rust; then
  layer "Rust: cargo test --workspace" with_keyring rust cargo test --workspace --color never -- --include-ignored --skip sigkill --skip headless
  # A server: no D-Bus session (so no keychain) and no display, the vault file instead.
  layer "Rust: a server without a desktop (no D-Bus session, no display)" \
    env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY cargo test --test headless --color never -- --include-ignored headless
  layer "Rust: SIGKILL at random moments (own keyring)" with_keyring sigkill sh -c '
    cargo build -p zoom-connections-engine --examples --color never &&
    cargo test --test cli --color never -- --include-ignored --nocapture sigkill &&
    cargo test --test actions --color never -- --include-ignored --nocapture sigkill &&
    cargo test -p zoom-connections-engine --test sigkill --color never -- --include-ignored --nocapture' 
fi
want ui && layer "UI: vitest" npm --prefix ui test --silent
want clients && layer "Third-party Zoom clients against the sandbox (PyPI, npm)" tests/clients/run.sh
if want e2e; then
  layer "Build the app with the UI embedded" build_e2e_app
  if [ -x target/e2e/zoom-connections-app ]; then
    export APP_BIN=$PWD/target/e2e/zoom-connections-app
    if [ $# -gt 0 ]; then
      layer "End to end: $*" with_keyring e2e sh -c 'cd tests/e2e && node --test --test-concurrency=1 --test-reporter=spec "$@"' e2e "$@"
    else
      layer "End to end: window (WebDriver) and deep link" with_keyring e2e npm --prefix tests/e2e test --silent
      layer "Package: install the .deb, xdg-open a link" with_keyring deb tests/install-package.sh target/e2e/zoom-connections.deb
      layer "Package: install the .rpm, xdg-open a link" with_keyring rpm tests/install-package.sh target/e2e/zoom-connections.rpm
    fi
  else
    failed+=("End to end: no app binary")
  fi
fi

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED layers: %s\n' "${failed[*]}"
  free=$(disk_free_gib)
  if [ -n "$free" ] && [ "$free" -lt 1 ]; then
    echo "The disk is full (${free} GiB free): the failures above may be that alone." >&2
  fi
  exit 1
fi
echo "All test layers passed."
