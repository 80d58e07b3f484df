// The app's tray as a desktop shell reads it: libayatana-appindicator exports a
// StatusNotifierItem at /org/ayatana/NotificationItem/<id> and its menu (com.canonical.dbusmenu)
// at …/Menu, on the app's own session-bus connection. Found by introspection, read with gdbus.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const ROOT = "/org/ayatana/NotificationItem";

function gdbus(args) {
  return execFileSync("gdbus", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5000 });
}

// One second per call: some names on the bus never answer introspection.
function call(dest, path, method, ...args) {
  return gdbus(["call", "--session", "--timeout", "1", "--dest", dest, "--object-path", path, "--method", method, "--", ...args]);
}

/** The bus name and object path of the app's tray item, or null while there is none. */
export function findTray() {
  const names = [...call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames").matchAll(/'(:[0-9.]+)'/g)].map((m) => m[1]);
  // Only the app's own connections, oldest first (GTK's, which carries the tray, before those a
  // notification library opens later and leaves without an answer to introspection): the bus
  // itself says whose each name is, so no other client costs a timeout.
  const ofTheApp = (name) => {
    try {
      const pid = /uint32 (\d+)/.exec(call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID", name))?.[1];
      return pid !== undefined && readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("zoom-connection");
    } catch {
      return false;
    }
  };
  const order = (name) => name.slice(1).split(".").map(Number);
  const candidates = names.filter(ofTheApp).sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
  for (const name of candidates) {
    let root;
    try {
      root = call(name, ROOT, "org.freedesktop.DBus.Introspectable.Introspect");
    } catch {
      continue;
    }
    for (const [, node] of root.matchAll(/<node name=\\?"([^"\\]+)\\?"/g)) {
      const path = `${ROOT}/${node}`;
      try {
        if (call(name, `${path}/Menu`, "org.freedesktop.DBus.Introspectable.Introspect").includes("com.canonical.dbusmenu")) {
          return { name, path };
        }
      } catch {
        // not this one
      }
    }
  }
  return null;
}

/** A StatusNotifierItem property, as gdbus prints it. */
export function trayProperty(tray, property) {
  return call(tray.name, tray.path, "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem", property);
}

/** The menu's items in order: `{ id, label, enabled }`. */
export function trayMenu(tray) {
  const layout = call(tray.name, `${tray.path}/Menu`, "com.canonical.dbusmenu.GetLayout", "0", "-1", "@as []");
  const items = [];
  for (const m of layout.matchAll(/\((\d+), \{([^}]*)\}, @?a?v? ?\[/g)) {
    const props = m[2];
    const label = /'label': <'((?:[^'\\]|\\.)*)'>/.exec(props)?.[1];
    if (label === undefined) continue;
    items.push({ id: Number(m[1]), label: label.replace(/\\'/g, "'"), enabled: !/'enabled': <false>/.test(props) });
  }
  return items;
}

/** Clicks a menu item the way a desktop shell does. */
export function clickTrayItem(tray, id) {
  call(tray.name, `${tray.path}/Menu`, "com.canonical.dbusmenu.Event", String(id), "clicked", "<0>", "0");
}
