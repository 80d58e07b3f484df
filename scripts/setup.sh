#!/usr/bin/env bash
# Installs what is missing on Debian/Ubuntu for `run` (start the app) or `test` (every test layer).
# Idempotent: a second call installs nothing and takes a few seconds.
set -euo pipefail
purpose=${1:-run}
cd "$(dirname "$0")/.."
. scripts/env.sh

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Tauri's Linux prerequisites, the keychain, and the tools the tests drive.
apt_run=(libwebkit2gtk-4.1-dev build-essential pkg-config curl file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev gnome-keyring dbus dbus-x11 xdg-utils)
apt_test=(xvfb xauth webkit2gtk-driver dbus-user-session libsecret-tools x11-utils desktop-file-utils openssl
  fonts-ipafont-gothic libglib2.0-bin gsettings-desktop-schemas python3-venv rpm systemd)
packages=("${apt_run[@]}")
[ "$purpose" = test ] && packages+=("${apt_test[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "Missing system packages: ${missing[*]}. This script installs them on Debian/Ubuntu only;" >&2
    echo "see the README's notes for other platforms." >&2
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Run as root or with sudo, or install them yourself: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  say "Installing system packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null || ! cargo --version >/dev/null 2>&1; then
  echo "No Rust toolchain: install one with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then
  echo "Node.js 20.19 or newer is needed for the UI build (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

npm_ci() { # reinstall only when the lockfile changed since the last install
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_ci ui
if [ "$purpose" = test ]; then
  npm_ci tests/e2e
  npm_ci tests/clients
  if ! command -v tauri-driver >/dev/null; then
    say "Installing tauri-driver (WebDriver for Tauri apps)"
    cargo install tauri-driver --locked --quiet
  fi
fi
