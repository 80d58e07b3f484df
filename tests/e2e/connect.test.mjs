// A connection created through the real app: the window asks the shell over IPC (as the UI
// does), the person signs in on the embedded sandbox, the OS hands the deep link to a second
// process, which forwards it to the running app; the engine stores the tokens in the keychain.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { allFiles, control, ensureArtifacts, freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { clickFresh, invoke, openSession, pageReady, shot } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";
import { notificationServer } from "./lib/notifications.mjs";
import { clickTrayItem, findTray, trayMenu, trayProperty } from "./lib/tray.mjs";


async function waitForStatus(driver, id, status) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const conn = (await invoke(driver, "overview")).connections.find((c) => c.id === id);
    if (conn?.status === status) return conn;
    if (Date.now() > deadline) throw new Error(`connection ${id} is ${conn?.status}, not ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("create a connection through the real app and deep link", () => {
  let home;
  // The tray icon's picture while a connection needs the user, and where the icon file is.
  let errorIcon;
  let trayIconFile;
  // The running sandbox's address (the last one logged: it changes when the app restarts).
  const sandboxUrl = () => [...readLogs(home).matchAll(/sandbox mode: the embedded Zoom sandbox is running url=(\S+)/g)].at(-1)[1];
  let session;
  let notifications;
  /** The notifications shown whose summary is `summary`. */
  const shown = (summary) => notifications.shown.filter((n) => n.summary === summary);
  let driver;

  before(async () => {
    home = freshHome();
    // The desktop's notification server, on the bus the app talks to: notifications are read
    // as shown, not from the app's log.
    notifications = await notificationServer();
    session = await openSession(home, 4447);
    driver = session.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
    await pageReady(driver);
  });

  after(async () => {
    await session?.close();
    notifications?.stop();
  });

  it("starts with the sandbox org and no connections", async () => {
    const overview = await invoke(driver, "overview");
    assert.equal(overview.orgs[0].id, "sandbox");
    assert.deepEqual(overview.connections, []);
    assert.equal(overview.warning, null);
  });

  it("refuses an invalid nickname with its code", async () => {
    await assert.rejects(invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "   " }), (e) => e.code === "invalid_nickname");
  });

  it("New Connection checks the nickname inline", async () => {
    await (await driver.wait(until.elementLocated(By.css('[data-testid="new-connection"]')), 10000)).click();
    const input = await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000);
    await input.sendKeys("   ");
    await driver.findElement(By.css('[data-testid="create"]')).click();
    const error = await driver.findElement(By.css('[data-testid="nickname-error"]'));
    await driver.wait(async () => (await error.getText()) === "Enter a connection nickname.", 5000);
    await input.sendKeys(Key.ESCAPE);
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="new-connection-dialog"]'))).length === 0, 5000);
  });

  it("creates an Active connection through the window, the sign-in and a second process with the deep link", async () => {
    await driver.findElement(By.css('[data-testid="new-connection"]')).click();
    const input = await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000);
    await input.sendKeys("E2E owner");
    await shot(driver, "new-connection-dialog.png");
    await driver.findElement(By.css('[data-testid="create"]')).click();
    const urlField = await driver.wait(until.elementLocated(By.css('[data-testid="authorize-url"]')), 10000);
    const authorizeUrl = await urlField.getAttribute("value");
    assert.match(authorizeUrl, /code_challenge_method=S256/);
    await shot(driver, "waiting-dialog.png");
    const deepLink = await authorizeInSandbox(authorizeUrl, "owner@contoso.example");
    assert.match(deepLink, /^zoom-connections:\/\/oauth\/callback\?code=/);
    const second = startApp(home, [deepLink]);
    assert.deepEqual(await second.exited, { code: 0, signal: null });
    // The waiting dialog closes by itself and the new row is highlighted.
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="waiting-dialog"]'))).length === 0, 20000);
    await driver.wait(until.elementLocated(By.css("tr.highlight")), 10000);
    let conns = [];
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      conns = (await invoke(driver, "overview")).connections;
      if (conns.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(conns.length, 1, readLogs(home));
    assert.equal(conns[0].nickname, "E2E owner");
    assert.equal(conns[0].status, "active");
    assert.equal(conns[0].identity.email, "owner@contoso.example");
    const test = await invoke(driver, "test_connection", { id: conns[0].id });
    assert.equal(test.probe, "scim");

    // The window's list follows by itself (an event, no reload): the row, its status in words.
    const cell = await driver.wait(until.elementLocated(By.css('[data-testid="connections"] tbody th')), 10000);
    assert.equal(await cell.getText(), "E2E owner");
    assert.equal(await driver.findElement(By.css('[data-testid="status"]')).getText(), "Active");
    await shot(driver, "connections-list.png");

    // Details: the expiry countdown and the timeline with the authorization on it.
    await clickFresh(driver, By, `[data-action="details"][data-id="${conns[0].id}"]`);
    const details = await driver.wait(until.elementLocated(By.css('[data-testid="details"]')), 10000);
    assert.match(await details.getText(), /Details of E2E owner/);
    assert.match(await driver.findElement(By.css('[data-testid="expiry"]')).getText(), /^in \d+ minutes$/);
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="timeline"] [data-kind="authorized"]'))).length === 1, 10000);
    // Test connection from the details: its result stays in the panel.
    assert.match(await driver.findElement(By.css('[data-testid="details-test"]')).getText(), /^Not tested yet/);
    await clickFresh(driver, By, '[data-testid="details-run-test"]');
    await driver.wait(async () => /^Passed: /.test(await driver.findElement(By.css('[data-testid="details-test"]')).getText().catch(() => "")), 10000);
    await shot(driver, "connection-details.png");

    // The tray menu follows: its summary and a line for the connection (logged on each rebuild).
    await waitFor("the tray line", () => readLogs(home).includes('tray updated summary=1 connection kept alive lines=["E2E owner — Active · next '));

    // The tokens are in the keychain (read back with libsecret's tool) and nowhere on disk.
    const refresh = execFileSync("secret-tool", ["lookup", "service", "zoom-connections", "username", `conn/${conns[0].id}/refresh`], { encoding: "utf8" }).trim();
    assert.match(refresh, /^zsr_/);
    for (const file of allFiles(home.base)) {
      assert.ok(!readFileSync(file).includes(refresh), `${file} holds the refresh token`);
    }
  });

  it("an uninstall in Zoom shows at once on Run keepalive now, with a notification and the tray", async () => {
    const [conn] = (await invoke(driver, "overview")).connections;
    await control(home, "/uninstall", { email: "owner@contoso.example", client_id: "sandbox-public" });
    await invoke(driver, "run_keepalive_now");
    const lost = await waitForStatus(driver, conn.id, "needs_reconnect");
    assert.equal(lost.status_reason, "deauthorized or uninstalled in Zoom, or replaced by a newer sign-in");
    await waitFor("the notification", () => shown("“E2E owner” needs you").length === 1);
    await waitFor("the tray line", () => readLogs(home).includes('summary=1 connection needs you lines=["E2E owner — Needs reconnect"]'));
  });

  it("the tray, as a desktop shell reads it over D-Bus: its menu, its icon and Run keepalive now", async () => {
    const tray = await waitFor("the tray on the session bus", () => findTray());
    const labels = () => trayMenu(tray).map((i) => i.label);
    await waitFor("the menu's status lines", () => labels().includes("E2E owner — Needs reconnect"));
    const items = trayMenu(tray);
    assert.deepEqual(items.slice(0, 2).map((i) => [i.label, i.enabled]), [["1 connection needs you", false], ["E2E owner — Needs reconnect", false]]);
    assert.deepEqual(items.slice(-3).map((i) => i.label), ["Run keepalive now", "Open Zoom Connections", "Quit"]);
    // The English counterpart of tray-and-notification-ja.txt (below).
    const [notified] = shown("“E2E owner” needs you");
    writeFileSync(join(ensureArtifacts(), "tray-and-notification-en.txt"), `tray menu:\n${items.map((i) => i.label).join("\n")}\n\nnotification:\n${notified.summary}\n${notified.body}\n`);
    // The icon is a file in the app's own cache folder (not the shared /tmp/tray-icon), and its
    // picture is the error one.
    const themePath = /<'([^']+)'>/.exec(trayProperty(tray, "IconThemePath"))[1];
    assert.ok(themePath.startsWith(join(home.env.XDG_CACHE_HOME, "app.zoomconnections.desktop")), themePath);
    const iconFile = () => {
      const name = /<'([^']+)'>/.exec(trayProperty(tray, "IconName"))[1];
      return name.startsWith("/") ? name : join(themePath, `${name}.png`);
    };
    assert.ok(iconFile().startsWith(themePath), iconFile());
    errorIcon = createHash("sha256").update(readFileSync(iconFile())).digest("hex");
    // A click on Run keepalive now reaches the app.
    const runs = () => readLogs(home).split("keepalive run on request").length;
    const before = runs();
    clickTrayItem(tray, items.find((i) => i.label === "Run keepalive now").id);
    await waitFor("the run the tray asked for", () => runs() > before);
    trayIconFile = iconFile;
  });

  it("reconnect in place through the deep link keeps id and nickname and recovers", async () => {
    const [before] = (await invoke(driver, "overview")).connections;
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "", reconnectOf: before.id });
    const deepLink = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
    const after = await waitForStatus(driver, before.id, "active");
    assert.equal(after.nickname, "E2E owner");
    assert.equal((await invoke(driver, "overview")).connections.length, 1);
    await waitFor("the recovery notification", () => shown("“E2E owner” is active again").length === 1);
    // One notification per change: the needs-you one was not shown again meanwhile.
    assert.equal(shown("“E2E owner” needs you").length, 1, JSON.stringify(notifications.shown));
    // The tray's icon is no longer the error one.
    const tray = findTray();
    await waitFor("the tray's line", () => trayMenu(tray).some((i) => i.label.startsWith("E2E owner — Active · next ")));
    assert.notEqual(createHash("sha256").update(readFileSync(trayIconFile())).digest("hex"), errorIcon);
    const history = await invoke(driver, "connection_history", { id: before.id });
    assert.deepEqual(history.map((e) => e.kind).slice(-2), ["needs_reconnect", "authorized"]);
  });

  it("launch at login is off by default and follows the setting", async () => {
    const settings = await invoke(driver, "get_settings");
    assert.equal(settings.launch_at_login, false);
    // The autostart plugin writes $HOME/.config/autostart whatever XDG_CONFIG_HOME says.
    const autostartDir = join(home.base, ".config", "autostart");
    const entries = () => { try { return readdirSync(autostartDir); } catch { return []; } };
    assert.deepEqual(entries(), []);
    await invoke(driver, "save_settings", { settings: { ...settings, launch_at_login: true } });
    const [entry] = entries();
    // At login the app starts in the tray, without a window (closed-window.test.mjs).
    assert.match(readFileSync(join(autostartDir, entry), "utf8"), /^Exec=.*zoom-connections-app"? --in-tray$/m);
    await invoke(driver, "save_settings", { settings: { ...settings, launch_at_login: false } });
    assert.deepEqual(entries(), []);
    await assert.rejects(invoke(driver, "save_settings", { settings: { ...settings, refresh_margin_secs: 5 } }), (e) => e.code === "invalid_settings");
  });

  it("a replayed deep link is refused and changes nothing", async () => {
    const before = (await invoke(driver, "overview")).connections;
    const second = startApp(home, ["zoom-connections://oauth/callback?code=zsc_replayed&state=not-a-pending-state"]);
    await second.exited;
    await waitFor("the refusal", () => readLogs(home).includes("state_mismatch"));
    assert.deepEqual((await invoke(driver, "overview")).connections, before);
  });

  it("a sandbox connection stays Active across an app restart (the sandbox keeps its grants)", async () => {
    const [before] = (await invoke(driver, "overview")).connections;
    const oldSandbox = sandboxUrl();
    await session.close();
    session = await openSession(home, 4447);
    driver = session.driver;
    await waitFor("the app to start again", () => sandboxUrl() !== oldSandbox);
    const saved = readFileSync(join(home.env.XDG_DATA_HOME, "app.zoomconnections.desktop", "sandbox-state.json"), "utf8");
    assert.match(saved, /"grants":\[\{/);
    // Run keepalive now probes the connection against the new sandbox (a new port): its
    // access token must still be known there.
    const apiCalls = async () => (await control(home, "/grants")).grants.at(-1).tokens.reduce((n, t) => n + t.api_calls, 0);
    const probesBefore = await apiCalls();
    await invoke(driver, "run_keepalive_now");
    await waitFor("a probe to reach the restarted sandbox", async () => (await apiCalls()) > probesBefore, 10000);
    const after = await waitForStatus(driver, before.id, "active");
    assert.equal(after.nickname, before.nickname);
    assert.match((await invoke(driver, "test_connection", { id: before.id })).summary, /SCIM works/);
  });

  it("Delete asks first, then deauthorizes: the grant is gone at the sandbox", async () => {
    const [conn] = (await invoke(driver, "overview")).connections;
    await clickFresh(driver, By, `[data-action="delete"][data-id="${conn.id}"]`);
    const dialog = await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
    assert.match(await dialog.getText(), /“E2E owner” in the org Sandbox, signed in to Zoom as owner@contoso\.example\.\s*Deleting deauthorizes it in Zoom/);
    await shot(driver, "delete-dialog.png");
    // The same dialog in Japanese: Cancel, switch the language, ask again.
    await driver.findElement(By.css('[data-testid="cancel-delete"]')).click();
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="delete-dialog"]'))).length === 0, 5000);
    const settings = await invoke(driver, "get_settings");
    await invoke(driver, "save_settings", { settings: { ...settings, language: "ja" } });
    await driver.wait(async () => (await driver.findElement(By.css("h1")).getText().catch(() => "")) === "接続", 10000);
    await clickFresh(driver, By, `[data-action="delete"][data-id="${conn.id}"]`);
    const dialogJa = await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
    assert.match(await dialogJa.getText(), /E2E owner/);
    await shot(driver, "delete-dialog-ja.png");
    await driver.findElement(By.css('[data-testid="confirm-delete"]')).click();
    await driver.wait(until.elementLocated(By.css('[data-testid="empty-state"]')), 10000);
    assert.deepEqual((await invoke(driver, "overview")).connections, []);
    // The tray follows the language setting: empty again, in Japanese, on D-Bus too.
    await waitFor("the tray back to empty, in Japanese", () => readLogs(home).includes("tray updated summary=接続はまだありません lines=[]"));
    const tray = findTray();
    assert.deepEqual(trayMenu(tray).map((i) => i.label), ["接続はまだありません", "今すぐキープアライブを実行", "Zoom Connections を開く", "終了"]);
    const grants = await control(home, "/grants");
    assert.equal(grants.grants.at(-1).status, "revoked");
  });

  it("in Japanese, the tray and a notification have no English sentence (their text recorded under artifacts/e2e/)", async () => {
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "本番", reconnectOf: null });
    const deepLink = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
    const id = await waitFor("the connection", async () => (await invoke(driver, "overview")).connections.find((c) => c.nickname === "本番")?.id);
    await control(home, "/uninstall", { email: "owner@contoso.example", client_id: "sandbox-public" });
    await invoke(driver, "run_keepalive_now");
    await waitForStatus(driver, id, "needs_reconnect");
    const notified = await waitFor("the notification", () => shown("「本番」で対応が必要です")[0]);
    const body = notified.body;
    assert.match(body, /^Zoom で承認解除またはアンインストールされたか、新しいサインインに置き換えられました。Zoom Connections を開いて再接続してください。$/, body);
    const tray = await waitFor("the tray", () => findTray());
    await waitFor("the tray's line", () => trayMenu(tray).some((i) => i.label === "本番 — 再接続が必要"));
    const labels = trayMenu(tray).map((i) => i.label);
    // Nothing English but names (the app's, the connection's): no ASCII word of three letters or more.
    for (const text of [...labels, notified.summary, body]) {
      assert.doesNotMatch(text.replace(/Zoom Connections|Zoom/g, ""), /[A-Za-z]{3,}/, text);
    }
    writeFileSync(join(ensureArtifacts(), "tray-and-notification-ja.txt"), `tray menu:\n${labels.join("\n")}\n\nnotification:\n${notified.summary}\n${body}\n`);
  });
});
