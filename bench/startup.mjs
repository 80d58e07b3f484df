// Start-up time and memory of a Tauri app, measured from outside as a user would see it: the time
// from process start until its window is mapped and viewable on the X server, and then (after
// the page has settled) the memory of the whole process tree — the app and the WebKit web and
// network processes it starts. PSS counts shared pages once per share; RSS double-counts them.
// Usage (inside Xvfb and a D-Bus session): node bench/startup.mjs RUNS "label|binary|title" ...
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tree, viewable } from "./process-tree.mjs";

const runs = Number(process.argv[2] ?? 5);
const targets = process.argv.slice(3).map((t) => t.split("|"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function memoryKiB(root) {
  let pss = 0;
  let rss = 0;
  const processes = [];
  for (const pid of tree(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)[1]);
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)[1]);
      processes.push(readFileSync(`/proc/${pid}/comm`, "utf8").trim());
    } catch {}
  }
  return { pss, rss, processes };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const [label, binary, title] of targets) {
  const times = [];
  const pss = [];
  const rss = [];
  let processes = [];
  for (let i = 0; i < runs; i++) {
    const home = mkdtempSync(join(tmpdir(), "zc-bench-"));
    const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, "data"), XDG_CONFIG_HOME: join(home, "config"), XDG_CACHE_HOME: join(home, "cache") };
    const start = process.hrtime.bigint();
    const child = spawn(binary, [], { env, stdio: "ignore" });
    while (!viewable(title)) {
      if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode}`);
      if (process.hrtime.bigint() - start > 60_000_000_000n) throw new Error(`${label}: no window in 60 s`);
      await sleep(5);
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    await sleep(3000);
    const mem = memoryKiB(child.pid);
    pss.push(mem.pss);
    rss.push(mem.rss);
    processes = mem.processes;
    child.kill("SIGTERM");
    await new Promise((r) => child.exitCode !== null ? r() : child.once("exit", r));
    await sleep(500);
    rmSync(home, { recursive: true, force: true });
  }
  console.log(
    `${label.padEnd(18)} window shown: median ${median(times).toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(", ")}); ` +
      `memory after 3 s: PSS ${(median(pss) / 1024).toFixed(1)} MiB, RSS ${(median(rss) / 1024).toFixed(1)} MiB ` +
      `over ${processes.length} processes (${processes.join(", ")})`,
  );
}
