// The whole journey of an admin, in the real app window and a real browser (WebKitGTK's
// MiniBrowser), sandbox mode: New Connection with each of Zoom's four sign-in choices, the deep
// link (directly, and through the HTTPS relay page) delivered by a second process as the OS does,
// the loopback redirect; three hours of keepalive through the sandbox's time travel; the tray
// lines; an uninstall on the sandbox's Added Apps page, seen and notified; Reconnect; Delete.
// Then a leak scan: no token the sandbox issued may appear in any file the app wrote, its logs,
// the webview's storage, the page, or the IPC payloads the UI received.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { allFiles, control as controlApi, freshHome, openedUrls, readLogs, scratchDir, startApp, waitFor } from "./lib/app.mjs";
import { deepLinkReached, openBrowser, signIn, startRelayServer } from "./lib/browser.mjs";
import { clickFresh, invoke, openSession, pageReady, selectOption, shot } from "./lib/driver.mjs";
import { notificationServer } from "./lib/notifications.mjs";


// Records every command answer (Tauri's IPC goes through fetch to ipc://localhost/<command>)
// and every event payload the page receives, beside the UI's own listeners. Installed again if
// the page was reloaded (the test counts that); collected into `received` after each step.
const RECORD_IPC = `
  if (window.__zcIpc) return false;
  const T = window.__TAURI_INTERNALS__;
  window.__zcIpc = [];
  const pageFetch = window.fetch;
  window.fetch = async (...args) => {
    const res = await pageFetch(...args);
    if (String(args[0]).startsWith("ipc:")) {
      window.__zcIpc.push(String(args[0]) + " " + (await res.clone().text()));
    }
    return res;
  };
  for (const event of ["connections-changed", "flow-ended"]) {
    const handler = T.transformCallback((e) => window.__zcIpc.push(JSON.stringify(e)));
    T.invoke("plugin:event|listen", { event, target: { kind: "Any" }, handler });
  }
  return true;`;

describe("the whole journey, in the real window and a real browser", () => {
  let home;
  let app;
  /** The desktop's notification server on the app's bus: what was shown, read as shown. */
  let notifications;
  const shown = (summary) => notifications.shown.filter((n) => n.summary === summary);
  let driver;
  let browser;
  let relay;
  let sandbox;
  const control = (path, body) => controlApi(home, path, body);
  const received = [];
  let installs = 0;
  const collect = async () => {
    if (await driver.executeScript(RECORD_IPC)) installs++;
    received.push(...(await driver.executeScript("const r = window.__zcIpc.splice(0); return r;")));
  };
  const connections = async () => (await invoke(driver, "overview")).connections;
  const byNick = async (nickname) => (await connections()).find((c) => c.nickname === nickname);

  before(async () => {
    notifications = await notificationServer();
    home = freshHome();
    // The app's clock follows the sandbox's, so that the sandbox's time travel moves keepalive.
    home.env.ZOOM_CONNECTIONS_SANDBOX_TIME = "1";
    app = await openSession(home, 4451);
    driver = app.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
    await pageReady(driver);
    sandbox = /sandbox mode: the embedded Zoom sandbox is running url=(\S+)/.exec(readLogs(home))[1];
    await driver.wait(until.elementLocated(By.css('[data-testid="new-connection"]')), 20000);
    await collect();
    browser = await openBrowser(home, 4460);
    relay = await startRelayServer();
  });

  afterEach(async () => collect());

  after(async () => {
    notifications?.stop();
    await browser?.close();
    relay?.close();
    await app?.close();
  });

  /** New Connection in the window; the app opens the sign-in in the "system browser", which the
   * test then plays in MiniBrowser. Returns the authorize URL. */
  async function newConnection(nickname) {
    const before = openedUrls(home).length;
    await clickFresh(driver, By, '[data-testid="new-connection"]');
    const input = await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000);
    await input.sendKeys(nickname, Key.ENTER);
    const field = await driver.wait(until.elementLocated(By.css('[data-testid="authorize-url"]')), 10000);
    const shown = await field.getAttribute("value");
    const opened = await waitFor("the system browser to be asked", () => openedUrls(home)[before]);
    assert.equal(opened, shown, "the browser gets the address the dialog shows");
    return opened;
  }

  async function activeInWindow(nickname) {
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="waiting-dialog"]'))).length === 0, 20000);
    const deadline = Date.now() + 20000;
    for (;;) {
      const c = await byNick(nickname);
      if (c?.status === "active") return c;
      if (Date.now() > deadline) throw new Error(`${nickname}: ${c?.status} — ${readLogs(home).slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function deliver(deepLink) {
    assert.match(deepLink, /^zoom-connections:\/\/oauth\/callback\?code=[^&]+&state=/);
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
  }

  it("password sign-in, deep link: the Owner", async () => {
    const url = await newConnection("Contoso owner");
    await signIn(browser.driver, url, "password", "owner@contoso.example");
    await deliver(await deepLinkReached(browser.driver));
    const c = await activeInWindow("Contoso owner");
    assert.equal(c.identity.role_name, "Owner");
  });

  it("SSO sign-in, deep link: the Admin", async () => {
    const url = await newConnection("Contoso admin");
    await signIn(browser.driver, url, "sso", "admin@contoso.example");
    await deliver(await deepLinkReached(browser.driver));
    const c = await activeInWindow("Contoso admin");
    assert.equal(c.identity.email, "admin@contoso.example");
  });

  it("Google sign-in through the HTTPS relay page, for a second org with a confidential app", async () => {
    // The admin hosts the relay page and registers its address in the Zoom app.
    await control("/settings", { add_redirect_uris: { "sandbox-confidential": [relay.url] } });
    const org = {
      id: "fabrikam", name: "Fabrikam", client_id: "sandbox-confidential", confidential: true, auth_base: "", api_base: "",
      redirect: { kind: "relay", url: relay.url }, scopes: ["user:write:admin"], sandbox: true,
    };
    await invoke(driver, "save_org", { org, clientSecret: "sandbox-confidential-secret" });
    const settings = await invoke(driver, "org_settings", { orgId: "fabrikam" });
    assert.equal(settings.client_secret_saved, true);
    assert.equal(settings.redirect_url, relay.url);
    await driver.wait(until.elementLocated(By.css('[data-testid="org"]')), 10000);
    await selectOption(driver, By, '[data-testid="org"]', "fabrikam");
    const url = await newConnection("Fabrikam owner");
    assert.equal(new URL(url).searchParams.get("redirect_uri"), relay.url);
    await signIn(browser.driver, url, "google", "fiona.fabrikam@gmail.example");
    // The relay page's own script turns Zoom's redirect into the deep link.
    const deepLink = await deepLinkReached(browser.driver);
    assert.ok(relay.requests.includes("/relay/") && relay.requests.includes("/relay/relay.js"), relay.requests.join());
    await deliver(deepLink);
    await activeInWindow("Fabrikam owner");
  });

  it("Facebook sign-in with the loopback redirect: no second process at all", async () => {
    const org = await invoke(driver, "org_settings", { orgId: "fabrikam" });
    await invoke(driver, "save_org", { org: { ...org.org, redirect: { kind: "loopback" } }, clientSecret: null });
    const url = await newConnection("Fabrikam admin");
    assert.match(new URL(url).searchParams.get("redirect_uri"), /^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    await signIn(browser.driver, url, "facebook", "felix.admin.fb@example");
    await browser.driver.wait(async () => (await browser.driver.getTitle().catch(() => "")) === "Zoom Connections", 10000);
    assert.equal(await browser.driver.executeScript("return document.querySelector('h1').textContent"), "Connected");
    await activeInWindow("Fabrikam admin");
    await shot(driver, "journey-fabrikam.png");
  });

  it("three hours of keepalive: every connection refreshed at each step, never expired, all Active in the tray", async () => {
    const refreshes = async () => (await control("/grants")).grants.filter((g) => g.status === "active").map((g) => g.refreshes);
    assert.deepEqual(await refreshes(), [0, 0, 0, 0]);
    for (let step = 1; step <= 4; step++) {
      await control("/clock/advance", { seconds: 3000 }); // 50 minutes: inside the 10-minute margin
      await clickFresh(driver, By, '[data-action="run-now"]');
      const deadline = Date.now() + 30000;
      for (;;) {
        const counts = await refreshes();
        if (counts.every((n) => n === step)) break;
        if (Date.now() > deadline) throw new Error(`step ${step}: refreshes ${counts}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const now = (await control("/clock")).now;
      for (const c of await connections()) {
        assert.equal(c.status, "active", `${c.nickname} at step ${step}`);
        assert.ok(c.access_expires_at > now, `${c.nickname} expired at step ${step}`);
      }
    }
    await waitFor("the tray lines", () =>
      /tray updated summary=4 connections kept alive lines=\[.*"Contoso owner — Active · next [^"]*".*"Fabrikam admin — Active · next [^"]*".*\]/.test(readLogs(home)));
  });

  it("an uninstall on the sandbox's Added Apps page is seen on Run keepalive now, notified, and shown in the tray", async () => {
    await selectOption(driver, By, '[data-testid="org"]', "sandbox");
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    const before = openedUrls(home).length;
    await clickFresh(driver, By, '[data-testid="open-added-apps"]', 10000);
    const page = await waitFor("Added Apps to open", () => openedUrls(home)[before]);
    assert.equal(page, `${sandbox}/marketplace/added-apps`);
    await browser.driver.get(page);
    await (await browser.driver.wait(until.elementLocated(By.css('button[aria-label="Remove Zoom Connections (sandbox, admin-managed, public client) for owner@contoso.example"]')), 10000)).click();
    await browser.driver.wait(async () => !(await browser.driver.getPageSource().catch(() => "for owner@contoso.example")).includes("for owner@contoso.example"), 10000);
    await clickFresh(driver, By, '[data-testid="back"]');
    await clickFresh(driver, By, '[data-action="run-now"]');
    await waitFor("the uninstall to be seen", async () => (await byNick("Contoso owner")).status === "needs_reconnect", 20000);
    assert.equal((await byNick("Contoso owner")).status_reason, "deauthorized or uninstalled in Zoom, or replaced by a newer sign-in");
    assert.equal((await byNick("Contoso admin")).status, "active");
    await waitFor("the notification", () => shown("“Contoso owner” needs you").length === 1);
    await waitFor("the tray line", () => /summary=1 connection needs you lines=\[.*"Contoso owner — Needs reconnect"/.test(readLogs(home)));
    await driver.wait(async () => (await driver.findElement(By.css('[data-testid="connections"]')).getText()).includes("Needs reconnect"), 10000);
    await shot(driver, "journey-needs-reconnect.png");
  });

  it("Reconnect in the window (Google this time) brings it back in place", async () => {
    const before = await byNick("Contoso owner");
    const opened = openedUrls(home).length;
    await clickFresh(driver, By, `[data-action="reconnect"][data-id="${before.id}"]`);
    const url = await waitFor("the sign-in to open", () => openedUrls(home)[opened]);
    await signIn(browser.driver, url, "google", "olivia.contoso@gmail.example");
    await deliver(await deepLinkReached(browser.driver));
    const after = await activeInWindow("Contoso owner");
    assert.equal(after.id, before.id);
    await waitFor("the recovery notification", () => shown("“Contoso owner” is active again").length === 1);
    assert.equal(shown("“Contoso owner” needs you").length, 1, "one notification per change");
  });

  it("Delete (confirmed) revokes the grant at the sandbox", async () => {
    const conn = await byNick("Contoso owner");
    await clickFresh(driver, By, `[data-action="delete"][data-id="${conn.id}"]`);
    await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
    await driver.findElement(By.css('[data-testid="confirm-delete"]')).click();
    await waitFor("the row to go", async () => !(await byNick("Contoso owner")), 10000);
    const grants = (await control("/grants")).grants.filter((g) => g.user_id === "usr_contoso_owner");
    assert.ok(grants.length >= 2 && grants.every((g) => g.status !== "active"), JSON.stringify(grants));
  });

  it("Delete while Zoom cannot be reached: a second dialog deletes it here only, and the grant stays in Zoom", async () => {
    const conn = await byNick("Contoso admin");
    await control("/faults", { endpoint: "revoke", fault: { kind: "http500" }, count: 1 });
    await clickFresh(driver, By, `[data-action="delete"][data-id="${conn.id}"]`);
    await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
    await driver.findElement(By.css('[data-testid="confirm-delete"]')).click();
    const second = await driver.wait(until.elementLocated(By.css('[data-testid="delete-locally-dialog"]')), 10000);
    assert.match(await second.getText(), /“Contoso admin” could not be deauthorized in Zoom, so nothing was deleted\. Try again once Zoom can be reached, or delete it from this computer only: its grant then remains in Zoom/);
    assert.ok(await byNick("Contoso admin"), "nothing is deleted before the person decides");
    await shot(driver, "delete-locally-dialog.png");
    await driver.findElement(By.css('[data-testid="confirm-delete-locally"]')).click();
    await waitFor("the row to go", async () => !(await byNick("Contoso admin")), 10000);
    const grants = (await control("/grants")).grants.filter((g) => g.user_id === "usr_contoso_admin");
    assert.equal(grants.at(-1).status, "active", "the grant remains in Zoom, as the dialog said");
  });

  it("leak scan: no issued token, code or client secret in any file, log, webview storage, page or IPC payload", async () => {
    const { tokens, codes } = await control("/issued-secrets");
    assert.ok(tokens.length >= 20, `tokens issued: ${tokens.length}`);
    const secrets = [...tokens, ...codes, "sandbox-confidential-secret"];
    const files = allFiles(home.base);
    assert.ok(files.some((f) => f.endsWith(".log")) && files.some((f) => f.endsWith("connections.json")), files.join("\n"));
    const scan = (paths) => {
      const found = [];
      for (const file of paths) {
        const text = readFileSync(file).toString("latin1");
        for (const s of secrets) if (text.includes(s)) found.push(`${file}: ${s.slice(0, 6)}…`);
      }
      return found;
    };
    // The scan itself finds a planted token (outside the app's directories).
    const canary = join(scratchDir("zc-canary-"), "canary.txt");
    writeFileSync(canary, `x${tokens.at(-1)}x`);
    assert.equal(scan([canary]).length, 1);
    // A token does not stay in a file of its own making.
    rmSync(canary);
    const hits = scan(files);
    await collect();
    const ipc = received.join("\n");
    assert.ok(ipc.includes("ipc://localhost/overview") && ipc.includes('"event":"connections-changed"') && ipc.includes('"event":"flow-ended"'),
      `the IPC was recorded: ${ipc.slice(0, 600)}`);
    const page = await driver.executeScript("return document.documentElement.outerHTML");
    for (const s of secrets) {
      if (ipc.includes(s)) hits.push(`IPC payload: ${s.slice(0, 6)}…`);
      if (page.includes(s)) hits.push(`page: ${s.slice(0, 6)}…`);
    }
    assert.deepEqual(hits, [], `secrets found:\n${hits.join("\n")}`);
    console.log(`# leak scan: ${secrets.length} secrets × ${files.length} files, ${received.length} IPC messages (${ipc.length} bytes; recorder installed ${installs}×), ${page.length} bytes of page: no hit`);
  });
});
