// Closing the window releases the webview (src-tauri/src/window.rs): WebKit's web process ends,
// while keepalive, the broker and the tray go on in the app's own process; opening the window
// again from the tray or a second launch shows the page it showed, in the user's language.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By } from "selenium-webdriver";
import { appBinary, control, freshHome, readLogs, repoRoot, startApp, waitFor } from "./lib/app.mjs";
import { clickFresh, invoke, openSession, shot } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";
import { clickTrayItem, findTray, trayMenu } from "./lib/tray.mjs";

/** The processes started by `pid` (WebKit's web and network processes are its children). */
function children(pid) {
  const out = [];
  for (const p of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat);
      if (Number(rest.split(" ")[1]) === pid) out.push({ pid: Number(p), comm });
    } catch {
      // exited while we looked
    }
  }
  return out;
}
const webProcesses = (pid) => children(pid).filter((c) => c.comm.startsWith("WebKitWebProces"));
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** What a window manager sends when the user clicks the title bar's close button. */
function closeWindow(pid) {
  execFileSync("python3", [join(repoRoot, "tests/e2e/lib/close-window.py"), String(pid)], { stdio: "inherit" });
}

describe("the window closed to the tray", () => {
  let home;
  let session;
  let driver;
  let pid;
  let id;
  const cli = (...args) => spawnSync(join(dirname(appBinary()), "zoom-connections"), args, { env: home.env, encoding: "utf8" });
  const refreshTokens = async () => (await control(home, "/grants")).grants.filter((g) => g.status === "active").map((g) => g.refreshes);
  const heading = () => driver.findElement(By.css('[data-testid="users-heading"]')).getText().catch(() => "");

  /** The window back in WebDriver's hands: a new webview is a new browsing context. */
  async function attach() {
    const [handle] = await waitFor("the window's new webview", async () => {
      const handles = await driver.getAllWindowHandles().catch(() => []);
      return handles.length ? handles : null;
    });
    await driver.switchTo().window(handle);
  }

  before(async () => {
    home = freshHome();
    // The app's clock follows the sandbox's time travel (a token due without waiting an hour).
    home.env.ZOOM_CONNECTIONS_SANDBOX_TIME = "1";
    session = await openSession(home, 4493);
    driver = session.driver;
    await waitFor("the broker", () => readLogs(home).includes("broker serving"));
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Tray life", reconnectOf: null });
    const deepLink = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
    id = await waitFor("the connection", async () => (await invoke(driver, "overview")).connections.find((c) => c.status === "active")?.id);
    pid = JSON.parse(readFileSync(join(home.env.XDG_RUNTIME_DIR, "zoom-connections", "broker.json"), "utf8")).pid;
  });

  // The next suite starts the app again in the same D-Bus session: this one must be gone first.
  after(async () => {
    await session?.close();
    if (pid) await waitFor("the app to exit", () => !alive(pid), 20000);
  });

  it("closing ends WebKit's web process; keepalive rotates, the broker lends and proxies, the tray answers", async () => {
    // The page to come back to: the connection's Users view.
    await clickFresh(driver, By, `[data-action="users"][data-id="${id}"]`);
    await waitFor("the Users view", async () => (await heading()) === "Users of Tray life");
    assert.ok(webProcesses(pid).length >= 1, `the open window has a web process: ${JSON.stringify(children(pid))}`);

    closeWindow(pid);
    await waitFor("the window to close", () => readLogs(home).includes("window closed: its webview is released"));
    await waitFor("WebKit's web process to end", () => webProcesses(pid).length === 0, 20000);
    assert.ok(alive(pid), "the app goes on in the tray");
    // What stays under WebDriver: WebKit's network process, which WebKit ends the automation
    // session with (src-tauri/src/idle_memory.rs). Without WebDriver it goes too (below).
    await waitFor("the memory given back", () => readLogs(home).includes("no window: memory given back"));
    assert.deepEqual(children(pid).map((c) => c.comm), ["WebKitNetworkPr"]);

    // Keepalive, asked from the tray with the access token due: Zoom rotates, the app keeps up.
    const tray = await waitFor("the tray on the session bus", () => findTray());
    assert.deepEqual(await refreshTokens(), [0]);
    await control(home, "/clock/advance", { seconds: 3000 }); // inside the 10-minute margin
    clickTrayItem(tray, trayMenu(tray).find((i) => i.label === "Run keepalive now").id);
    await waitFor("the refresh", async () => (await refreshTokens())[0] === 1, 20000);
    await waitFor("the tray's line", () => trayMenu(tray).some((i) => i.label.startsWith("Tray life — Active")));

    // Scripts: a token through the broker, and Zoom's API through its proxy.
    const token = cli("token", "Tray life");
    assert.equal(token.status, 0, token.stderr);
    const socket = join(home.env.XDG_RUNTIME_DIR, "zoom-connections", "broker.sock");
    const me = spawnSync("curl", ["-sS", "--unix-socket", socket, "http://localhost/zoom/Tray%20life/v2/users/me"], { encoding: "utf8" });
    assert.equal(JSON.parse(me.stdout).email, "owner@contoso.example", me.stderr);
    assert.equal(webProcesses(pid).length, 0, "nothing brought a webview back");
  });

  it("Open in the tray brings the window back on the page it showed", async () => {
    const tray = findTray();
    clickTrayItem(tray, trayMenu(tray).find((i) => i.label === "Open Zoom Connections").id);
    await attach();
    await waitFor("the Users view again", async () => (await heading()) === "Users of Tray life");
    assert.ok(webProcesses(pid).length >= 1);
    await waitFor("the users listed", async () => (await driver.findElements(By.css('[data-testid="users-list"] li[aria-posinset]'))).length > 0);
    await shot(driver, "reopened-users.png");
  });

  it("in Japanese too, opened again by a second launch, with a sign-in still waiting", async () => {
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: "ja" } });
    await waitFor("the Japanese heading", async () => (await heading()) === "「Tray life」のユーザー");
    // Back to the list, and a sign-in started and left waiting when the window closes.
    await clickFresh(driver, By, '[data-testid="users-back"]');
    await waitFor("the list", async () => (await driver.findElements(By.css('[data-testid="connections-heading"]'))).length > 0);
    await clickFresh(driver, By, `[data-action="reconnect"][data-id="${id}"]`);
    const url = await waitFor("the waiting dialog", async () => driver.findElement(By.css('[data-testid="authorize-url"]')).getAttribute("value").catch(() => null));

    closeWindow(pid);
    await waitFor("WebKit's web process to end", () => webProcesses(pid).length === 0, 20000);
    // A second launch (the app's icon clicked again) hands over to the running app and exits.
    assert.deepEqual(await startApp(home, []).exited, { code: 0, signal: null });
    await attach();
    const dialog = await waitFor("the waiting dialog again", async () => (await driver.findElements(By.css('[data-testid="waiting-dialog"]')))[0]);
    assert.equal(await driver.findElement(By.css('[data-testid="authorize-url"]')).getAttribute("value"), url);
    assert.match(await dialog.getText(), /ブラウザー/);
    await shot(driver, "reopened-waiting-ja.png");

    // Closed again, and the sign-in completes while no page is there to hear it: the link opens
    // the window, and the new page shows the outcome (the reconnected row, highlighted).
    closeWindow(pid);
    await waitFor("WebKit's web process to end", () => webProcesses(pid).length === 0, 20000);
    const deepLink = await authorizeInSandbox(url, "owner@contoso.example");
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
    await attach();
    await waitFor("the reconnected row, highlighted", async () => (await driver.findElements(By.css(`tr.highlight[data-connection="${id}"]`))).length === 1);
    assert.equal((await driver.findElements(By.css('[data-testid="waiting-dialog"]'))).length, 0);
    assert.equal((await invoke(driver, "overview")).connections.find((c) => c.id === id).status, "active");
  });

});

// Without WebDriver, as a user runs it: after the suite above has quit its app (single instance
// is one per D-Bus session).
describe("started at login, without WebDriver", () => {
  it("the tray and the broker, no webview until the window is opened; closed, no WebKit process at all", async () => {
    const login = freshHome();
    const app = startApp(login, ["--in-tray"]);
    try {
      await waitFor("the start at login", () => readLogs(login).includes("started at login: in the tray"));
      await waitFor("the broker", () => readLogs(login).includes("broker serving"));
      const listed = spawnSync(join(dirname(appBinary()), "zoom-connections"), ["list", "--json"], { env: login.env, encoding: "utf8" });
      assert.equal(listed.status, 0, listed.stderr);
      await waitFor("the tray on the session bus", () => findTray());
      assert.deepEqual(children(app.child.pid), [], "no WebKit process at all");
      assert.ok(!readLogs(login).includes("window opened"));
      // Opened (a second launch, as clicking the app's icon does): now the window and WebKit.
      assert.deepEqual(await startApp(login, []).exited, { code: 0, signal: null });
      const shown = () => readLogs(login).split("window: the page is shown").length - 1;
      await waitFor("the window", () => shown() === 1);
      assert.ok(webProcesses(app.child.pid).length >= 1);

      // Closed: WebKit's web and network processes both end; the broker still answers.
      closeWindow(app.child.pid);
      await waitFor("the memory given back", () => /no window: memory given back .*network_processes_ended=1/.test(readLogs(login)));
      await waitFor("no WebKit process", () => children(app.child.pid).length === 0, 20000);
      assert.equal(spawnSync(join(dirname(appBinary()), "zoom-connections"), ["list", "--json"], { env: login.env }).status, 0);
      // Opened again from the tray: WebKit starts again and the page loads and asks the shell
      // where it was (a page that did not load would never ask).
      const tray = await waitFor("the tray", () => findTray());
      clickTrayItem(tray, trayMenu(tray).find((i) => i.label === "Open Zoom Connections").id);
      await waitFor("the window again", () => shown() === 2);
      assert.ok(webProcesses(app.child.pid).length >= 1);
      assert.match(execFileSync("xwininfo", ["-name", "Zoom Connections"], { encoding: "utf8" }), /Map State: IsViewable/);
    } finally {
      app.child.kill("SIGTERM");
      await app.exited;
    }
  });
});
