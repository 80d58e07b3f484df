// The Users view of a 10,000-user account in the release app's real window: the app's own time
// from Zoom's last answer to the first page drawn (the engine's log line "users listed" gives
// when the last page came; the page's performance marks when it was drawn), a search narrowing
// the list (from the keystroke's event to the next frame), and the web process's memory for the
// list (PSS before and after). Usage (inside Xvfb and a D-Bus session with a keychain):
// node bench/users-view.mjs RUNS APP_BINARY
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { control, freshHome, readLogs, startApp, waitFor } from "../tests/e2e/lib/app.mjs";
import { invoke, openSession } from "../tests/e2e/lib/driver.mjs";
import { authorizeInSandbox } from "../tests/e2e/lib/sandbox-user.mjs";

// selenium-webdriver is the end-to-end tests' dependency (tests/e2e/package.json).
const { By, until } = createRequire(new URL("../tests/e2e/package.json", import.meta.url))("selenium-webdriver");
const runs = Number(process.argv[2] ?? 5);
process.env.APP_BIN = process.argv[3];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** PSS in KiB of the WebKit web processes (the page and its script heap). */
function webProcessPss() {
  let kib = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (!cmd.includes("WebKitWebProcess")) continue;
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    kib += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  return kib;
}

const home = freshHome();
const session = await openSession(home, 4495);
const { driver } = session;
try {
  await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
  const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Bench", reconnectOf: null });
  await startApp(home, [await authorizeInSandbox(flow.authorize_url, "admin@contoso.example")]).exited;
  await waitFor("the connection", async () => (await invoke(driver, "overview")).connections.find((c) => c.status === "active"));
  await control(home, "/populate", { account_id: "acct_contoso", users: 10000, groups: 300 });
  await control(home, "/settings", { qps_limits: { acct_contoso: 100000 } });
  const firstPage = [];
  const search = [];
  let memory = 0;
  for (let i = 0; i < runs; i++) {
    const before = webProcessPss();
    const logged = readLogs(home).length;
    await driver.findElement(By.css('[data-action="users"]')).click();
    await driver.wait(until.elementLocated(By.css('[data-testid="users-list"] li[aria-posinset]')), 60000);
    await driver.wait(async () => (await driver.executeScript("return performance.getEntriesByName('zc-users-drawn').length")) > 0, 60000);
    const line = await waitFor("the engine's line", () => /users listed.*elapsed_ms="?([\d.]+)"?/.exec(readLogs(home).slice(logged)));
    const engineMs = Number(line[1]);
    const [asked, drawn] = await driver.executeScript(
      "const m = (n) => performance.getEntriesByName(n).at(-1).startTime; return [m('zc-users-asked'), m('zc-users-drawn')];",
    );
    // From the command's start to the list drawn, less the engine's time listing (Zoom's pages).
    firstPage.push(drawn - asked - engineMs);
    search.push(
      await driver.executeAsyncScript(`
        const done = arguments[arguments.length - 1];
        const input = document.querySelector('[data-testid="users-search"]');
        const t0 = performance.now();
        input.value = "user09999";
        input.dispatchEvent(new Event("input"));
        requestAnimationFrame(() => done(performance.now() - t0));`),
    );
    await new Promise((r) => setTimeout(r, 1500));
    if (i === 0) memory = webProcessPss() - before;
    await driver.executeScript("performance.clearMarks()");
    await driver.findElement(By.css('[data-testid="users-back"]')).click();
    await driver.wait(until.elementLocated(By.css('[data-testid="connections-heading"]')), 10000);
  }
  console.log(`Users view, 10,000-user account (median of ${runs}): first page drawn ${median(firstPage).toFixed(1)} ms of app time after Zoom's last answer`);
  console.log(`  a search narrowing 10,007 users to 1, to the next frame: ${median(search).toFixed(1)} ms`);
  console.log(`  the web process's memory for the list (PSS, first open): ${(memory / 1024).toFixed(1)} MiB`);
} finally {
  await session.close();
}
