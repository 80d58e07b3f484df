// Connections for scripts, served by the real running app (docs/cli.md): the command line
// borrows through the app's broker, curl reaches Zoom's API through its proxy without ever
// holding a token, and the alerts set in the window's Settings reach a webhook.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By, until } from "selenium-webdriver";
import { allFiles, appBinary, control, freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { clickFresh, invoke, openSession, shot } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";
import { clickTrayItem, findTray, trayMenu } from "./lib/tray.mjs";

const cli = () => join(dirname(appBinary()), "zoom-connections");


/** A local webhook receiver that records every JSON body. */
function receiver() {
  const bodies = [];
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (d) => (data += d));
    req.on("end", () => {
      bodies.push(JSON.parse(data));
      res.writeHead(200).end("ok");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, bodies, url: `http://127.0.0.1:${server.address().port}/hooks/SECRETPATH1234` })));
}

describe("scripts use the running app's connections", () => {
  let home;
  let session;
  let driver;
  let hook;
  let id;
  const socket = () => join(home.env.XDG_RUNTIME_DIR, "zoom-connections", "broker.sock");

  before(async () => {
    home = freshHome();
    // The broker also on 127.0.0.1, for tools that cannot use a Unix socket (docs/cli.md).
    home.env.ZOOM_CONNECTIONS_BROKER_TCP = "0";
    hook = await receiver();
    session = await openSession(home, 4457);
    driver = session.driver;
    await waitFor("the broker", () => readLogs(home).includes("broker serving"));
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Scripted", reconnectOf: null });
    const deepLink = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
    id = await waitFor("the connection", async () => (await invoke(driver, "overview")).connections.find((c) => c.status === "active")?.id);
  });

  after(async () => {
    await session?.close();
    hook?.server.close();
  });

  it("token and exec borrow through the app's broker, which audits them", () => {
    const token = execFileSync(cli(), ["token", "Scripted"], { env: home.env, encoding: "utf8" }).trim();
    assert.ok(token.length > 20);
    const masked = execFileSync(cli(), ["exec", "Scripted", "--", "sh", "-c", "echo token=$ZOOM_ACCESS_TOKEN; echo $ZOOM_CONNECTION"], { env: home.env, encoding: "utf8" });
    assert.equal(masked, "token=<redacted>\nScripted\n");
    const audit = readFileSync(join(home.env.XDG_DATA_HOME, "app.zoomconnections.desktop", "audit.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const lent = audit.filter((l) => l.path === "/v1/connections/Scripted/token");
    assert.equal(lent.length, 2);
    assert.ok(lent.every((l) => l.status === 200 && l.connection === id && /zoom-connections (token|exec)/.test(l.command)), JSON.stringify(lent));
    assert.ok(!JSON.stringify(audit).includes(token));
  });

  it("curl reaches Zoom's API through the proxy without a token", () => {
    const out = spawnSync("curl", ["-sS", "--unix-socket", socket(), "http://localhost/zoom/Scripted/v2/users/me"], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).email, "owner@contoso.example");
    const listed = JSON.parse(spawnSync("curl", ["-sS", "--unix-socket", socket(), "http://localhost/v1/connections"], { encoding: "utf8" }).stdout);
    assert.equal(listed.connections[0].nickname, "Scripted");
  });

  it("the app's broker on 127.0.0.1 when asked: the run's secret, its own Host, no web page", () => {
    const discovery = JSON.parse(readFileSync(join(home.env.XDG_RUNTIME_DIR, "zoom-connections", "broker.json"), "utf8"));
    const { url, secret } = discovery.tcp;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const curl = (...args) => spawnSync("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", ...args], { encoding: "utf8" }).stdout;
    const me = `${url}/zoom/Scripted/v2/users/me`;
    const body = spawnSync("curl", ["-sS", "-H", `Authorization: Bearer ${secret}`, me], { encoding: "utf8" });
    assert.equal(JSON.parse(body.stdout).email, "owner@contoso.example", body.stderr);
    assert.equal(curl(me), "401", "no secret");
    assert.equal(curl("-H", "Authorization: Bearer wrong", me), "401", "a wrong secret");
    assert.equal(curl("-H", `Authorization: Bearer ${secret}`, "-H", "Host: rebound.example", me), "421", "a rebound name");
    assert.equal(curl("-H", `Authorization: Bearer ${secret}`, "-H", "Origin: https://evil.example", me), "403", "a web page");
  });

  it("Settings takes a webhook (never shown again), sends a test alert, and the app alerts when a connection needs the user", async () => {
    // Looked up afresh each time: a language change redraws the page.
    const text = (id) => driver.findElement(By.css(`[data-testid="${id}"]`)).getText().catch(() => "");
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    const url = await driver.wait(until.elementLocated(By.css('[data-testid="webhook-url"]')), 10000);
    await url.sendKeys(hook.url);
    // The page's one Save saves the webhook typed in Alerts.
    await clickFresh(driver, By, '[data-testid="save-settings"]');
    await waitFor("the webhook's host", async () => (await text("webhook-current")) === "Alerts go to 127.0.0.1 (JSON).");
    assert.equal(await text("alerts-status"), "Webhook saved.");
    assert.equal(await driver.findElement(By.css('[data-testid="webhook-url"]')).getAttribute("value"), "");
    await clickFresh(driver, By, '[data-testid="test-alert"]');
    await waitFor("the test alert", () => hook.bodies.some((b) => b.event === "test"));
    await waitFor("the test's result", async () => (await text("alerts-status")).startsWith("Test alert sent. The webhook answered HTTP 200."));
    await driver.executeScript('document.querySelector(\'[data-testid="alerts-status"]\').scrollIntoView({ block: "center" })');
    await shot(driver, "settings-alerts.png");
    // The webhook's URL is a credential: in the keychain, nowhere under the app's directories.
    for (const file of allFiles(home.base)) {
      assert.ok(!readFileSync(file).includes("SECRETPATH1234"), `${file} holds the webhook URL`);
    }
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: "ja" } });
    await clickFresh(driver, By, '[data-testid="back"]');
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await waitFor("the Japanese settings", async () => (await text("webhook-current")).startsWith("アラートの送信先："));
    await driver.executeScript('document.querySelector(\'[data-testid="webhook-current"]\').scrollIntoView({ block: "center" })');
    await shot(driver, "settings-alerts-ja.png");
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: "en" } });

    await control(home, "/uninstall", { email: "owner@contoso.example", client_id: "sandbox-public" });
    await invoke(driver, "run_keepalive_now");
    const alert = await waitFor("the needs-you alert", () => hook.bodies.find((b) => b.event === "needs_user"));
    assert.equal(alert.connection.nickname, "Scripted");
    assert.match(alert.text, /“Scripted” needs you/);
  });

  it("Quit in the tray stops the broker and removes its socket", async () => {
    assert.ok(existsSync(socket()));
    const tray = await waitFor("the tray on the session bus", () => findTray());
    clickTrayItem(tray, trayMenu(tray).find((i) => i.label === "Quit").id);
    await waitFor("the socket to go", () => !existsSync(socket()), 20000);
    await waitFor("the app to say it quit cleanly", () => readLogs(home).includes("every token is in the keychain"));
  });
});
