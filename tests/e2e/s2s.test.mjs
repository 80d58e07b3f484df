// A Server-to-Server connection in the real window (docs/cli.md; docs/zoom.md, Server-to-Server):
// created from the app's account ID, client ID and secret (a refused secret said in words),
// tested, its secret rotated, deleted with what that means for the app in the Marketplace — in
// English and Japanese — and its secret nowhere but the keychain.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { By, until } from "selenium-webdriver";
import { allFiles, freshHome, readLogs, waitFor } from "./lib/app.mjs";
import { violations } from "./lib/axe.mjs";
import { clickFresh, invoke, openSession, pageReady, shot } from "./lib/driver.mjs";

const SECRET = "sandbox-s2s-secret";

describe("a Server-to-Server connection in the window", () => {
  let home;
  let session;
  let driver;
  let id;
  const text = (css) => driver.findElement(By.css(css)).getText().catch(() => "");
  const keychain = (key) => {
    try {
      return execFileSync("secret-tool", ["lookup", "service", "zoom-connections", "username", key], { encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };

  before(async () => {
    home = freshHome();
    session = await openSession(home, 4467);
    driver = session.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
    await pageReady(driver);
  });

  after(async () => session?.close());

  async function fillS2s(secret) {
    const field = async (testId, value) => {
      const input = await driver.findElement(By.css(`[data-testid="${testId}"]`));
      await input.clear();
      await input.sendKeys(value);
    };
    await field("s2s-account-id", "acct_contoso");
    await field("s2s-client-id", "sandbox-s2s");
    await field("s2s-client-secret", secret);
  }

  it("is created from its credentials; a wrong secret is refused in words and stores nothing", async () => {
    await clickFresh(driver, By, '[data-testid="new-connection"]');
    const nickname = await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 10000);
    await nickname.sendKeys("Provisioning");
    await clickFresh(driver, By, '[data-testid="kind-s2s"]');
    await fillS2s("not-the-secret");
    await clickFresh(driver, By, '[data-testid="create"]');
    // Said under the field it is about (the secret), not under the nickname.
    await waitFor("the refusal", async () => (await text('[data-testid="s2s-client-secret-error"]')).startsWith("Zoom refused the client ID or secret."));
    assert.equal(await text('[data-testid="nickname-error"]'), "");
    await shot(driver, "s2s-new-refused.png");
    assert.deepEqual((await invoke(driver, "overview")).connections, []);

    await fillS2s(SECRET);
    await clickFresh(driver, By, '[data-testid="create"]');
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="new-connection-dialog"]'))).length === 0, 15000);
    const [conn] = (await invoke(driver, "overview")).connections;
    id = conn.id;
    assert.equal(conn.kind, "server_to_server");
    assert.equal(conn.status, "active");
    const row = await driver.wait(until.elementLocated(By.css(`tr[data-connection="${id}"]`)), 10000);
    await driver.wait(async () => /Server-to-Server app/.test(await row.getText()) && /on demand/.test(await row.getText()), 10000);
    await shot(driver, "s2s-list.png");
    assert.equal(keychain(`conn/${id}/client_secret`), SECRET, "the secret is in the keychain");
  });

  it("tests, shows when its token was minted and how often it was lent, and rotates its secret only to one that works", async () => {
    await clickFresh(driver, By, `[data-action="test"][data-id="${id}"]`);
    await waitFor("the test's result", async () => (await text('[data-testid="notice"], .notice')).includes("SCIM works"));
    await clickFresh(driver, By, `[data-action="details"][data-id="${id}"]`);
    await driver.wait(until.elementLocated(By.css('[data-testid="served"]')), 10000);
    assert.match(await text('[data-testid="served"]'), /^\d+ times$/);
    assert.match(await text('[data-testid="details"]'), /Client ID\s*sandbox-s2s/);
    await shot(driver, "s2s-details.png");

    await clickFresh(driver, By, `[data-action="rotate-secret"][data-id="${id}"]`);
    const secret = await driver.wait(until.elementLocated(By.css('[data-testid="rotate-secret"]')), 10000);
    await secret.sendKeys("a-wrong-secret");
    await clickFresh(driver, By, '[data-testid="save-secret"]');
    await waitFor("the refusal", async () => (await text('[data-testid="rotate-error"]')).startsWith("Zoom refused the client ID or secret."));
    assert.equal(keychain(`conn/${id}/client_secret`), SECRET, "the old secret stays");
    // The dialog with Zoom's refusal in it passes axe-core's WCAG 2.1 A/AA rules (a11y.test.mjs).
    assert.deepEqual(await violations(driver), []);
    await secret.clear();
    await secret.sendKeys(SECRET);
    await clickFresh(driver, By, '[data-testid="save-secret"]');
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="rotate-secret-dialog"]'))).length === 0, 15000);
  });

  it("reads in Japanese", async () => {
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: "ja" } });
    await driver.wait(async () => /必要時に発行/.test(await text(`tr[data-connection="${id}"]`)), 10000);
    await shot(driver, "s2s-list-ja.png");
    await clickFresh(driver, By, '[data-testid="new-connection"]');
    await clickFresh(driver, By, '[data-testid="kind-s2s"]');
    await driver.wait(async () => (await text('[data-testid="s2s-fields"]')).includes("クライアントシークレット"), 10000);
    await shot(driver, "s2s-new-ja.png");
    await clickFresh(driver, By, '[data-testid="new-connection-dialog"] button:not(.primary)');
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: "en" } });
  });

  it("Delete says the app stays in the Marketplace, then removes its secret from this computer", async () => {
    await driver.wait(async () => /on demand/.test(await text(`tr[data-connection="${id}"]`)), 10000);
    await clickFresh(driver, By, `[data-action="delete"][data-id="${id}"]`);
    const dialog = await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 10000);
    assert.match(await dialog.getText(), /The app itself stays in the Zoom App Marketplace/);
    await shot(driver, "s2s-delete.png");
    await clickFresh(driver, By, '[data-testid="confirm-delete"]');
    await waitFor("the row to go", async () => (await invoke(driver, "overview")).connections.length === 0);
    assert.equal(keychain(`conn/${id}/client_secret`), "", "the secret left the keychain");
  });

  it("leak scan: the client secret is in no file, log or page", async () => {
    for (const file of allFiles(home.base)) {
      assert.ok(!readFileSync(file).includes(SECRET), `${file} holds the client secret`);
    }
    const page = await driver.executeScript("return document.documentElement.outerHTML");
    assert.ok(!page.includes(SECRET));
  });
});
