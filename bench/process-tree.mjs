// What the benches read about a running app from outside: whether its X window is viewable, and
// the process tree it started (the app and WebKit's processes).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/** Whether the X server reports a window of this title viewable (xwininfo). */
export function viewable(title) {
  try {
    return /Map State: IsViewable/.test(execFileSync("xwininfo", ["-name", title], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  } catch {
    return false;
  }
}

/** `root` and every process started under it, from /proc. */
export function tree(root) {
  const children = new Map();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(pid)]);
    } catch {}
  }
  const out = [];
  const walk = (pid) => (out.push(pid), (children.get(pid) ?? []).forEach(walk));
  walk(root);
  return out;
}
