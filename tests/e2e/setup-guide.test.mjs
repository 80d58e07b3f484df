// The guided first real connection, in the real window: Add an org shows the steps (which Zoom
// app, the scopes with Copy, the redirect URL, the credentials), and Check settings asks the
// (sandbox's) Zoom and says in words what it refused and how to fix it; once Zoom accepts, Sign
// in and connect leads to an Active connection. In English and Japanese, with a screenshot of
// each step.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { By, until } from "selenium-webdriver";
import { freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { clickFresh, invoke, openSession, pageReady, selectOption, shot } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";

describe("the guided first connection", () => {
  let home;
  let session;
  let driver;

  before(async () => {
    home = freshHome();
    session = await openSession(home, 4465);
    driver = session.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
    await pageReady(driver);
    await driver.wait(until.elementLocated(By.css('[data-testid="new-connection"]')), 20000);
    // Orgs on the sandbox that are set up wrong, as an admin's first try may be.
    const sandbox = (await invoke(driver, "overview")).orgs[0];
    for (const [id, clientId] of [["wrong-client", "no-such-app"], ["user-managed", "sandbox-readonly"]]) {
      await invoke(driver, "save_org", { org: { ...sandbox, id, name: `Try: ${id}`, client_id: clientId }, clientSecret: null });
    }
    // A relay page the app does not list among its redirect URLs.
    const relay = { kind: "relay", url: "https://relay.unregistered.example/" };
    await invoke(driver, "save_org", { org: { ...sandbox, id: "unregistered", name: "Try: unregistered", redirect: relay }, clientSecret: null });
  });

  after(async () => session?.close());

  const openSettings = async () => {
    await driver.wait(until.elementLocated(By.css('[data-testid="open-settings"]')), 10000);
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="settings-org-picker"]')), 5000);
  };
  const pickOrg = async (value, waitFor) => {
    await selectOption(driver, By, '[data-testid="settings-org-picker"]', value);
    return driver.wait(until.elementLocated(By.css(waitFor)), 5000);
  };
  const scrollTo = (css) => driver.executeScript(`document.querySelector(arguments[0])?.scrollIntoView({ block: "start" });`, css);
  const back = async () => {
    await clickFresh(driver, By, '[data-testid="back"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="new-connection"]')), 5000);
  };
  const check = async (orgId) => {
    await pickOrg(orgId, '[data-testid="check-settings"]');
    await clickFresh(driver, By, '[data-testid="check-settings"]');
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="check-problem"], [data-testid="check-ok"]'))).length > 0, 10000);
    await scrollTo('[data-testid="check-section"]');
  };

  for (const lang of ["en", "ja"]) {
    const suffix = lang === "ja" ? "-ja" : "";
    it(`Add an org shows the steps (${lang})`, async () => {
      const settings = await invoke(driver, "get_settings");
      await invoke(driver, "save_settings", { settings: { ...settings, language: lang } });
      await driver.wait(async () => (await driver.findElement(By.css("h1")).getText().catch(() => "")) === (lang === "ja" ? "接続" : "Connections"), 10000);
      await openSettings();
      const guide = await pickOrg("__add__", '[data-testid="setup-guide"]');
      const text = await guide.getText();
      assert.match(text, lang === "ja" ? /管理者管理/ : /Admin-managed/);
      assert.match(await driver.findElement(By.css('[data-testid="guide-scopes"]')).getText(), /user:update:user:admin\s+user:update:status:admin/);
      assert.equal(await driver.findElement(By.css('[data-testid="guide-redirect"]')).getText(), "http://127.0.0.1/oauth/callback");
      await scrollTo('[data-testid="setup-guide"]');
      await shot(driver, `guide-steps${suffix}.png`);
      await scrollTo('[data-testid="guide-redirect"]');
      await shot(driver, `guide-redirect-and-credentials${suffix}.png`);
      await back();
    });

    it(`Check settings says what Zoom refused, and how to fix it (${lang})`, async () => {
      await openSettings();
      await check("wrong-client");
      const problem = await driver.findElement(By.css('[data-testid="check-problem"]'));
      assert.equal(await problem.getAttribute("data-code"), "unknown_client_id");
      assert.match(await problem.getText(), lang === "ja" ? /クライアント ID/ : /client ID/);
      assert.match(await driver.findElement(By.css('[data-testid="check-fix"]')).getText(), /App Credentials/);
      await shot(driver, `check-unknown-client${suffix}.png`);
      await check("user-managed");
      const managed = await driver.findElement(By.css('[data-testid="check-problem"]'));
      assert.equal(await managed.getAttribute("data-code"), "user_managed_app");
      assert.match(await managed.getText(), /:admin/);
      await shot(driver, `check-user-managed${suffix}.png`);
      await check("unregistered");
      const redirect = await driver.findElement(By.css('[data-testid="check-problem"]'));
      assert.equal(await redirect.getAttribute("data-code"), "redirect_not_registered");
      // The fix names the exact URL to add to the app's allow list.
      assert.match(await driver.findElement(By.css('[data-testid="check-fix"]')).getText(), /https:\/\/relay\.unregistered\.example\//);
      await shot(driver, `check-redirect-not-registered${suffix}.png`);
      await back();
    });
  }

  it("with no error before sign-in, it lists what the sign-in confirms, and Sign in and connect leads to an Active connection", async () => {
    await openSettings();
    await check("sandbox");
    await driver.wait(until.elementLocated(By.css('[data-testid="check-ok"]')), 5000);
    // Never "accepted": what Zoom may check only at sign-in is listed as not confirmed yet.
    const parts = await driver.findElements(By.css('[data-testid="check-at-sign-in"] li'));
    assert.deepEqual(await Promise.all(parts.map((p) => p.getAttribute("data-part"))), ["redirect_url", "app_type", "scopes", "role"]);
    await shot(driver, "check-no-error-before-sign-in-ja.png");
    await clickFresh(driver, By, '[data-testid="check-connect"]');
    const input = await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000);
    await input.sendKeys("はじめての接続");
    await driver.findElement(By.css('[data-testid="create"]')).click();
    const url = await (await driver.wait(until.elementLocated(By.css('[data-testid="authorize-url"]')), 10000)).getAttribute("value");
    const deepLink = await authorizeInSandbox(url, "owner@contoso.example");
    const second = startApp(home, [deepLink]);
    assert.deepEqual(await second.exited, { code: 0, signal: null });
    await waitFor("the connection", async () => (await invoke(driver, "overview")).connections.find((c) => c.nickname === "はじめての接続" && c.status === "active"), 20000);
    await driver.wait(until.elementLocated(By.css("tr.highlight")), 10000);
    await shot(driver, "guide-connected-ja.png");
  });
});
