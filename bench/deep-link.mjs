// From a deep link handed to the running release app until its row shows Active in the window,
// and how that time splits: the second process handing the link over, the engine's own work,
// Zoom's (here the sandbox's) answers, and the window's update. Times are wall-clock
// milliseconds on one machine; the engine's share comes from its own log line ("connection
// authorized … total_ms zoom_ms").
// Usage (inside Xvfb and a D-Bus session with a keychain): node bench/deep-link.mjs RUNS APP_BINARY
import { readLogs, freshHome, startApp, waitFor } from "../tests/e2e/lib/app.mjs";
import { invoke, openSession } from "../tests/e2e/lib/driver.mjs";
import { authorizeInSandbox } from "../tests/e2e/lib/sandbox-user.mjs";

const runs = Number(process.argv[2] ?? 10);
process.env.APP_BIN = process.argv[3];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const home = freshHome();
const session = await openSession(home, 4480);
const { driver } = session;
try {
  await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
  const rows = { total: [], handoff: [], engine: [], zoom: [], window: [] };
  for (let i = 0; i < runs; i++) {
    const nickname = `bench ${i}`;
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname, reconnectOf: null });
    const deepLink = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    // The page notes the moment the new row shows Active (it re-renders on the shell's event).
    const seen = driver.executeAsyncScript(
      `const [nickname, done] = arguments;
       const found = () => [...document.querySelectorAll("tbody tr")].some((r) => r.textContent.includes(nickname) && r.querySelector('[data-status="active"], .chip-active, .status-active'));
       const seenAt = () => done(Date.now());
       if (found()) return seenAt();
       new MutationObserver((_, o) => { if (found()) { o.disconnect(); seenAt(); } }).observe(document.body, { subtree: true, childList: true, attributes: true });`,
      nickname,
    );
    const before = readLogs(home).length;
    const handedAt = Date.now();
    const second = startApp(home, [deepLink]);
    await second.exited;
    const activeAt = await seen;
    const log = await waitFor("the engine's line", () => {
      const fresh = readLogs(home).slice(before);
      return /deep link received[\s\S]*connection authorized.*total_ms="?([\d.]+)"? zoom_ms="?([\d.]+)"?/.exec(fresh) && fresh;
    });
    const received = Date.parse(/(\S+)\s+INFO[^\n]*deep link received/.exec(log)[1]);
    const [, total, zoom] = /connection authorized.*total_ms="?([\d.]+)"? zoom_ms="?([\d.]+)"?/.exec(log).map(Number);
    rows.total.push(activeAt - handedAt);
    rows.handoff.push(received - handedAt);
    rows.engine.push(total - zoom);
    rows.zoom.push(zoom);
    rows.window.push(activeAt - handedAt - (received - handedAt) - total);
  }
  const f = (xs) => `${median(xs).toFixed(1)} ms`;
  console.log(`deep link → row Active (median of ${runs}): ${f(rows.total)}`);
  console.log(`  the second process handing the link to the running app: ${f(rows.handoff)}`);
  console.log(`  the engine's own work (callback, keychain, list): ${f(rows.engine)}`);
  console.log(`  Zoom's answers (the sandbox: code exchange, users/me): ${f(rows.zoom)}`);
  console.log(`  the window's update (event, overview, render): ${f(rows.window)}`);
} finally {
  await session.close();
}
