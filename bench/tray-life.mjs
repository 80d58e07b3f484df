// What the app costs in the tray, measured from outside as in bench/startup.mjs (release builds,
// Xvfb, a D-Bus session): the whole process tree's PSS with the window shown, 10 s after the
// window is closed (WM_DELETE_WINDOW, as a window manager's close button sends it), and 10 s
// after a start at login (`--in-tray`: no window); the time until the page has loaded its list
// and asked the shell where it was (`window: the page is shown` in the app's log) on the first
// start, when opened again from the tray's menu (the click a desktop shell sends over D-Bus)
// and by a second launch (as clicking the app's icon does); and the bare Tauri window's tree
// beside it. Usage: node bench/tray-life.mjs RUNS APP [BARE]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { clickTrayItem, findTray, trayMenu } from "../tests/e2e/lib/tray.mjs";
import { tree, viewable } from "./process-tree.mjs";

const [runs, app, bare] = [Number(process.argv[2] ?? 3), process.argv[3], process.argv[4]];
const closer = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "tests/e2e/lib/close-window.py");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (kib) => (kib / 1024).toFixed(1);

/** PSS of the tree in KiB, and of each process by name. */
function memory(root) {
  const by = {};
  let total = 0;
  for (const pid of tree(root)) {
    try {
      const kib = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))[1]);
      const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      by[name] = (by[name] ?? 0) + kib;
      total += kib;
    } catch {}
  }
  return { total, by };
}

/** CPU time (ms, each process's own counters, which keep the time of threads that have
 * exited) and context switches by thread (each a wake-up or a preemption). */
function activity(root) {
  let cpuMs = 0;
  const switches = new Map();
  const tick = 1000 / 100; // USER_HZ
  for (const pid of tree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      cpuMs += (Number(stat[11]) + Number(stat[12])) * tick;
    } catch {}
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {}
    for (const tid of tasks) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
        switches.set(tid, Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)[1]) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)[1]));
      } catch {}
    }
  }
  return { cpuMs, switches };
}

/** Context switches between two readings, over the threads alive at both (and new ones). */
function switchesBetween(before, after) {
  let n = 0;
  for (const [tid, count] of after.switches) n += count - (before.switches.get(tid) ?? 0);
  return n;
}

function freshEnv() {
  const home = mkdtempSync(join(tmpdir(), "zc-bench-"));
  return { home, env: { ...process.env, HOME: home, XDG_DATA_HOME: join(home, "data"), XDG_CONFIG_HOME: join(home, "config"), XDG_CACHE_HOME: join(home, "cache") } };
}

const logs = (home) => {
  try {
    const dir = join(home, "data", "app.zoomconnections.desktop", "logs");
    return readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8")).join("");
  } catch {
    return "";
  }
};

async function until(what, predicate, ms = 60000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`no ${what} in ${ms} ms`);
    await sleep(5);
  }
}

async function stop(child) {
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  await sleep(500);
}

const count = (text, needle) => text.split(needle).length - 1;
const shown = [], closed = [], fromTray = [], secondLaunch = [], firstStart = [], login = [], bareShown = [];
const fromTrayInApp = [], secondLaunchInApp = [];
let closedBy = {}, loginBy = {}, idle = null;
for (let i = 0; i < runs; i++) {
  if (bare) {
    const { home, env } = freshEnv();
    const child = spawn(bare, [], { env, stdio: "ignore" });
    await until("bare window", () => viewable("Bare Tauri"));
    await sleep(3000);
    bareShown.push(memory(child.pid).total);
    await stop(child);
    rmSync(home, { recursive: true, force: true });
  }
  {
    const { home, env } = freshEnv();
    const started = process.hrtime.bigint();
    const child = spawn(app, [], { env, stdio: "ignore" });
    await until("the page", () => count(logs(home), "window: the page is shown") >= 1);
    firstStart.push(Number(process.hrtime.bigint() - started) / 1e6);
    await sleep(3000);
    shown.push(memory(child.pid).total);
    const closeAndWait = async () => {
      const closes = count(logs(home), "no window: memory given back");
      execFileSync("python3", [closer, String(child.pid)]);
      await until("the memory given back", () => count(logs(home), "no window: memory given back") > closes);
      await sleep(8000); // 10 s after the close, the 2 s before the release included
    };
    await closeAndWait();
    const m = memory(child.pid);
    closed.push(m.total);
    closedBy = m.by;
    // Idle cost with the window closed, once: CPU time and wake-ups (context switches of every
    // thread of the tree) over one minute.
    if (i === 0) {
      const before = activity(child.pid);
      await sleep(60000);
      const after = activity(child.pid);
      idle = { cpuMs: after.cpuMs - before.cpuMs, switches: switchesBetween(before, after) };
    }
    // Open again until the page has loaded and restored its view: from the tray's menu (as a
    // desktop shell sends the click), then, closed again, by a second launch (the app's icon).
    // Each also from the app's side: its log's time of `window: opening` (the click or the
    // second launch has reached it) to the page's line, without the sender's own start.
    const logged = (line) => [...logs(home).matchAll(new RegExp(`^(\\S+) .*${line}`, "gm"))].map((m) => Date.parse(m[1]));
    const timeOpen = async (open, inApp) => {
      const before = count(logs(home), "window: the page is shown");
      const start = process.hrtime.bigint();
      open();
      await until("the page again", () => count(logs(home), "window: the page is shown") > before);
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      inApp.push(logged("window: the page is shown").at(-1) - logged("window: opening").at(-1));
      return elapsed;
    };
    const tray = findTray();
    const item = trayMenu(tray).find((i) => i.label === "Open Zoom Connections").id;
    fromTray.push(await timeOpen(() => clickTrayItem(tray, item), fromTrayInApp));
    await closeAndWait();
    secondLaunch.push(await timeOpen(() => spawn(app, [], { env, stdio: "ignore" }), secondLaunchInApp));
    await stop(child);
    rmSync(home, { recursive: true, force: true });
  }
  {
    const { home, env } = freshEnv();
    const child = spawn(app, ["--in-tray"], { env, stdio: "ignore" });
    await until("the start", () => logs(home).includes("started at login"));
    await sleep(10000);
    const m = memory(child.pid);
    login.push(m.total);
    loginBy = m.by;
    await stop(child);
    rmSync(home, { recursive: true, force: true });
  }
}
const parts = (by) => Object.entries(by).map(([n, k]) => `${n} ${mib(k)}`).join(", ");
console.log(`whole process tree, PSS (median of ${runs}):`);
console.log(`  bare Tauri window, shown:               ${bare ? mib(median(bareShown)) : "-"} MiB`);
console.log(`  Zoom Connections, window shown:         ${mib(median(shown))} MiB`);
console.log(`  10 s after the window was closed:       ${mib(median(closed))} MiB (${parts(closedBy)})`);
console.log(`  10 s after a start at login (no window): ${mib(median(login))} MiB (${parts(loginBy)})`);
console.log(`idle with the window closed, over one minute: ${idle.cpuMs} ms of CPU, ${idle.switches} context switches (every thread)`);
const times = (xs) => `median ${median(xs).toFixed(0)} ms (runs: ${xs.map((t) => t.toFixed(0)).join(", ")})`;
console.log("until the page has loaded its list and is shown:");
console.log(`  first start (process start):             ${times(firstStart)}`);
console.log(`  opened again from the tray:              ${times(fromTray)}; in the app ${times(fromTrayInApp)}`);
console.log(`  opened again by a second launch:         ${times(secondLaunch)}; in the app ${times(secondLaunchInApp)}`);
