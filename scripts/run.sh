#!/usr/bin/env bash
# Starts the app in development mode (UI from Vite with hot reload, sandbox mode by default).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: neither DISPLAY nor WAYLAND_DISPLAY is set, so there is nowhere to open the window." >&2
  echo "Run this from a desktop session, or headless with: xvfb-run -a make run" >&2
  exit 2
fi
exec ui/node_modules/.bin/tauri dev
