#!/usr/bin/env bash
# Installs the app's package (.deb or .rpm) into a scratch root — `dpkg-deb -x`, or `rpm --root`
# with a database of its own: the machine's own package database is not touched — and checks what
# the package promises a desktop:
#  - both binaries: the app, and the command line `zoom-connections`, which loads none of the
#    window's libraries and starts the app when given no command;
#  - its desktop entry is valid, runs the app with the URL (%u) and claims
#    x-scheme-handler/zoom-connections;
#  - with the scratch root's share/ on XDG_DATA_DIRS and the desktop database updated (what the
#    package manager's trigger does on a real install), xdg-mime names that entry as the
#    scheme's handler;
#  - `xdg-open zoom-connections://oauth/callback?…` reaches the installed, running app (through a
#    second process the desktop entry starts), which logs the link without its values.
# Needs a display and a D-Bus session (tests/run-all.sh gives both).
# Usage: install-package.sh PKG.deb|PKG.rpm
set -euo pipefail
pkg=$1
scratch=$(mktemp -d -t zc-pkg-XXXXXX)
root=$scratch/root
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

case $pkg in
  *.deb)
    dpkg-deb -x "$pkg" "$root"
    echo "package: $(dpkg-deb -f "$pkg" Package) $(dpkg-deb -f "$pkg" Version), depends: $(dpkg-deb -f "$pkg" Depends)"
    ;;
  *.rpm)
    # --nodeps: the scratch root has no other packages to satisfy them; they are listed instead.
    # --noscripts: the scriptlets update the system's desktop database, done below for the root.
    rpm --root "$root" --initdb
    rpm --root "$root" --install --nodeps --noscripts --nosignature "$pkg" || fail "rpm could not install $pkg"
    echo "package: $(rpm --root "$root" -q --queryformat '%{NAME} %{VERSION}-%{RELEASE}' zoom-connections 2>/dev/null || rpm -qp --queryformat '%{NAME} %{VERSION}-%{RELEASE}' "$pkg"), requires: $(rpm -qp --requires "$pkg" 2>/dev/null | grep -v '^rpmlib(' | tr '\n' ' ')"
    rpm --root "$root" -qa | grep -q . || fail "the rpm database of the scratch root lists no package"
    ;;
  *) fail "not a .deb or .rpm: $pkg" ;;
esac
entry=$(ls "$root"/usr/share/applications/*.desktop)
[ -x "$root/usr/bin/zoom-connections-app" ] || fail "no /usr/bin/zoom-connections-app in the package"
[ -x "$root/usr/bin/zoom-connections" ] || fail "no /usr/bin/zoom-connections (the command line) in the package"
ldd "$root/usr/bin/zoom-connections" | grep -Eq 'webkit|gtk' && fail "the command line loads the window's libraries: $(ldd "$root/usr/bin/zoom-connections" | grep -E 'webkit|gtk')"
"$root/usr/bin/zoom-connections" --version | grep -q "^zoom-connections " || fail "zoom-connections --version"
"$root/usr/bin/zoom-connections" man | grep -q '^.SH "EXIT STATUS"' || fail "no man page in the command line"
echo "command line: $("$root/usr/bin/zoom-connections" --version), $(ldd "$root/usr/bin/zoom-connections" | wc -l) shared libraries"
# The service units (docs/cli.md, On a server), started with the installed command line.
for unit in usr/lib/systemd/user/zoom-connections.service "usr/lib/systemd/system/zoom-connections@.service"; do
    [ -f "$root/$unit" ] || fail "no /$unit in the package"
    grep -q '^ExecStart=/usr/bin/zoom-connections serve$' "$root/$unit" || fail "/$unit does not start the installed serve"
    grep -q '^Type=notify$' "$root/$unit" || fail "/$unit does not wait for serve's readiness"
    # The unit as systemd reads it (a user unit by a user manager): any unknown key or bad value
    # is a line of output.
    command -v systemd-analyze >/dev/null || fail "no systemd-analyze to check the units (scripts/setup.sh installs systemd)"
    checked=$scratch/$(basename "$unit")
    sed "s#^ExecStart=/usr/bin/zoom-connections#ExecStart=$root/usr/bin/zoom-connections#" "$root/$unit" > "$checked"
    case $unit in
        */user/*) mkdir -p -m 700 "$scratch/user-runtime"; mode=(env XDG_RUNTIME_DIR="$scratch/user-runtime" systemd-analyze --user) ;;
        *) mode=(systemd-analyze) ;;
    esac
    said=$("${mode[@]}" verify --man=no "$checked" 2>&1) || fail "/$unit: systemd-analyze verify: $said"
    [ -z "$said" ] || fail "/$unit: systemd-analyze verify: $said"
done
desktop-file-validate "$entry" || fail "invalid desktop entry"
grep -qx 'Exec=zoom-connections-app %u' "$entry" || fail "Exec does not pass the URL to the app: $(grep ^Exec "$entry")"
grep -q '^MimeType=.*x-scheme-handler/zoom-connections;' "$entry" || fail "the scheme is not claimed"

# A fresh desktop session that sees the scratch root as installed software.
export HOME=$scratch/home XDG_DATA_HOME=$scratch/home/.local/share XDG_CONFIG_HOME=$scratch/home/.config
export XDG_CACHE_HOME=$scratch/home/.cache
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
export XDG_DATA_DIRS=$root/usr/share:/usr/share
export PATH=$root/usr/bin:$PATH
update-desktop-database "$root/usr/share/applications"
handler=$(xdg-mime query default x-scheme-handler/zoom-connections)
[ "$handler" = "$(basename "$entry")" ] || fail "xdg-mime names '$handler' as the handler, not the package's entry"
echo "handler of zoom-connections:// : $handler"

# Started the way a user types it: the command line without a command becomes the app.
"$root/usr/bin/zoom-connections" >"$scratch/app.out" 2>&1 &
app_pid=$!
log_dir=$XDG_DATA_HOME/app.zoomconnections.desktop/logs
logs() { cat "$log_dir"/*.log 2>/dev/null || true; }
for _ in $(seq 100); do logs | grep -q "Zoom Connections starting" && break; sleep 0.2; done
logs | grep -q "Zoom Connections starting" || fail "the installed app did not start: $(cat "$scratch/app.out")"

xdg-open "zoom-connections://oauth/callback?code=DEBINSTALLCODE&state=DEBINSTALLSTATE"
for _ in $(seq 100); do logs | grep -q "deep link received" && break; sleep 0.2; done
line=$(logs | grep "deep link received" || true)
[ -n "$line" ] || fail "xdg-open did not reach the installed app; its log: $(logs | tail -5)"
echo "$line" | grep -q 'url=zoom-connections://oauth/callback?code=<redacted>&state=<redacted>' || fail "unexpected: $line"
logs | grep -q DEBINSTALLCODE && fail "the code reached the log"
kill -0 "$app_pid" || fail "the running app exited"
echo "xdg-open → desktop entry → second process → the running app: ok"
