// Helpers to run the real app binary in isolation: its own data, config and cache directories,
// and readers for its log files.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const artifactsDir = join(repoRoot, "artifacts", "e2e");

export function appBinary() {
  const bin = process.env.APP_BIN;
  if (!bin) throw new Error("APP_BIN must name the app binary built with the UI embedded (make test sets it)");
  return bin;
}

/** Scratch directories of this test file, removed when its process exits (ZC_KEEP_E2E_DIRS=1
 * keeps them, to read a failed run's logs). */
const scratchDirs = [];
process.on("exit", () => {
  if (process.env.ZC_KEEP_E2E_DIRS) return;
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new directory under the system's temporary directory, removed at exit (above). */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/** A fresh HOME and XDG directories, so that every test starts from an empty app and nothing
 * it writes (autostart entries use $HOME/.config) lands in the real home. */
export function freshHome() {
  const base = scratchDir("zc-e2e-");
  const env = {
    HOME: base,
    XDG_DATA_HOME: join(base, "data"),
    XDG_CONFIG_HOME: join(base, "config"),
    XDG_CACHE_HOME: join(base, "cache"),
    // The broker's socket lives here (docs/cli.md, The broker): one per test, like a login.
    XDG_RUNTIME_DIR: join(base, "runtime"),
  };
  for (const dir of Object.values(env)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Xvfb has no GPU, so WebKit's "GPU" tile painting runs on Mesa's software rasterizer from a
  // second thread, and that combination crashed the web process inside swrast_dri.so in a CI run
  // (a general protection fault while a modal dialog was painted). Skia's CPU painting is what
  // WebKit documents for machines without a GPU; the pixels are the same.
  env.WEBKIT_SKIA_ENABLE_CPU_RENDERING = "1";
  // The embedded sandbox's control API (faults, time travel, the leak scan's list) is served
  // only when asked for, behind a secret the app writes for this user (sandboxControl below).
  env.ZOOM_CONNECTIONS_SANDBOX_CONTROL = "1";
  // The system browser: a script that records what the app asked xdg-open to open.
  return { base, env: { ...process.env, ...env, BROWSER: join(repoRoot, "tests/e2e/lib/fake-browser.sh") } };
}

/** The running app's embedded sandbox: its address and the control API's secret of this run, as
 * the app wrote them (readable by this user only). */
export function sandboxControl(home) {
  return JSON.parse(readFileSync(join(home.env.XDG_DATA_HOME, "app.zoomconnections.desktop", "sandbox-control.json"), "utf8"));
}

/** A call of the embedded sandbox's control API (`/_sandbox/…`); POSTs JSON when `body` is given. */
export async function control(home, path, body) {
  const { url, secret } = sandboxControl(home);
  const headers = { "x-sandbox-control": secret };
  const init = body === undefined ? { headers } : { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) };
  // A GET is sent again once if the connection it went out on had just been closed: the sandbox
  // closes a keep-alive connection idle for 10 s, and fetch may pick one at that very moment.
  const res = await fetch(`${url}/_sandbox${path}`, init).catch((e) => {
    if (body !== undefined || e?.cause?.code !== "UND_ERR_SOCKET") throw e;
    return fetch(`${url}/_sandbox${path}`, init);
  });
  if (!res.ok) throw new Error(`sandbox control ${path}: HTTP ${res.status}`);
  return res.json();
}

/** The URLs the app opened in the "system browser" so far (tests/e2e/lib/fake-browser.sh). */
export function openedUrls(home) {
  try {
    return readFileSync(join(home.base, "opened-urls.txt"), "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

export function ensureArtifacts() {
  mkdirSync(artifactsDir, { recursive: true });
  return artifactsDir;
}

function filesUnder(dir, suffix) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    // WebKit's and SQLite's short-lived files (a `-journal`) can vanish between the listing and
    // this look: skipped, as allFiles does (a setup once failed on one).
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) out = out.concat(filesUnder(path, suffix));
    else if (st && name.endsWith(suffix)) out.push(path);
  }
  return out;
}

/** Every regular file under `dir` (what a leak scan reads): sockets, such as the broker's, are
 * not files to read, and a file that vanishes while the scan walks is skipped. */
export function allFiles(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out = out.concat(allFiles(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** Everything the app has logged so far under `home`. */
export function readLogs(home) {
  return filesUnder(home.base, ".log").map((f) => readFileSync(f, "utf8")).join("");
}

/** The predicate's first truthy value (it may be async), polled every 100 ms. */
export async function waitFor(what, predicate, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a helper (tauri-driver, WebKitWebDriver) in its own process group, and returns a
 * `kill` that ends the whole group: the driver, the app or browser it launched and their WebKit
 * processes. Ending only the driver can leave a crashed session's app behind, still holding the
 * app's single-instance name, so every later test would talk to that stale app. */
export function spawnGroup(command, args, env) {
  const child = spawn(command, args, { env, stdio: "ignore", detached: true });
  const kill = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  return { child, kill };
}

/** `promise`, or a clear error once `ms` have passed: a wedged WebDriver call must fail the
 * test that made it, not hang the whole run. */
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts the app binary; resolves `exited` with the exit code. */
export function startApp(home, args = []) {
  const child = spawn(appBinary(), args, { env: home.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

export async function stopApp(app) {
  if (app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill("SIGTERM");
    const timer = setTimeout(() => app.child.kill("SIGKILL"), 5000);
    await app.exited;
    clearTimeout(timer);
  }
}
