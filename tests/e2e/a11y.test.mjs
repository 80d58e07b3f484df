// Accessibility of every page and dialog state, in English and Japanese: axe-core's WCAG 2.1 A
// and AA rules in the real window (0 violations), and the keyboard behaviour its rules do not
// cover — the Delete dialog's focus on Cancel, the focus after Back and after a delete.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { control, ensureArtifacts, freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { violations } from "./lib/axe.mjs";
import { clickFresh, escapeDialogs, invoke, openSession, pageReady, selectOption } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";

describe("accessibility (axe-core, keyboard)", () => {
  let home;
  let session;
  let driver;
  const report = [];

  before(async () => {
    home = freshHome();
    session = await openSession(home, 4477);
    driver = session.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
    await pageReady(driver);
  });

  after(async () => {
    writeFileSync(join(ensureArtifacts(), "axe-report.json"), JSON.stringify(report, null, 2));
    await session?.close();
  });

  const closeDialogs = () => escapeDialogs(driver, By, Key);

  async function check(state) {
    const found = await violations(driver);
    report.push({ state, violations: found });
    assert.deepEqual(found, [], `${state}: ${JSON.stringify(found, null, 1)}`);
  }

  async function states(lang) {
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: lang } });
    await clickFresh(driver, By, '[data-testid="back"]').catch(() => {});
    await driver.wait(until.elementLocated(By.css('[data-testid="connections-heading"]')), 10000);
    await driver.wait(async () => (await driver.executeScript("return document.documentElement.lang")) === lang, 10000);
    await check(`${lang}: connections`);
    await clickFresh(driver, By, '[data-testid="new-connection"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000);
    await check(`${lang}: New Connection`);
    await clickFresh(driver, By, '[data-testid="kind-s2s"]');
    // The state checked is the one on screen: the Server-to-Server fields shown.
    await driver.wait(async () => (await driver.findElement(By.css('[data-testid="s2s-fields"]')).isDisplayed().catch(() => false)), 5000);
    await check(`${lang}: New Connection, Server-to-Server`);
    await closeDialogs();
    if ((await driver.findElements(By.css('[data-testid="details"]'))).length === 0) await clickFresh(driver, By, '[data-action="details"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="details"]')), 5000);
    await check(`${lang}: details`);
    await clickFresh(driver, By, '[data-action="delete"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
    await check(`${lang}: Delete`);
    // Zoom refuses the revoke: the second dialog offers to delete on this computer only.
    await control(home, "/faults", { endpoint: "revoke", fault: { kind: "http500" }, count: 1 });
    await clickFresh(driver, By, '[data-testid="confirm-delete"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="delete-locally-dialog"]')), 10000);
    await check(`${lang}: Delete on this computer only`);
    await closeDialogs();
    await clickFresh(driver, By, '[data-action="reconnect"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="waiting-dialog"]')), 10000);
    await check(`${lang}: waiting for the sign-in`);
    await clickFresh(driver, By, '[data-testid="cancel-flow"]');
    // A modal still open takes the next click: Settings is opened once the dialog is gone (a
    // clean-clone run clicked it while the dialog was closing, and Settings never opened).
    await driver.wait(async () => (await driver.findElements(By.css("dialog[open]"))).length === 0, 10000);
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="webhook-url"]')), 5000);
    await check(`${lang}: Settings`);
    await selectOption(driver, By, "#settings-org-picker", "__add__");
    // The new org's form is there once its guide is (no sleep: the condition itself).
    await driver.wait(until.elementLocated(By.css('[data-testid="setup-guide"]')), 10000);
    await check(`${lang}: Settings, a new org`);
    await selectOption(driver, By, "#settings-org-picker", "wrong-client");
    await clickFresh(driver, By, '[data-testid="check-settings"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="check-problem"]')), 10000);
    await check(`${lang}: Settings, Check settings found a problem`);
  }

  it("every page and dialog state has no WCAG 2.1 A/AA violation, in both languages", async () => {
    for (const lang of ["en", "ja"]) {
      await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: lang } });
      await driver.wait(until.elementLocated(By.css('[data-testid="empty-state"]')), 10000);
      await driver.wait(async () => (await driver.executeScript("return document.documentElement.lang")) === lang, 10000);
      await check(`${lang}: no connections yet`);
    }
    // An org set up wrong, for Check settings' answer (as in setup-guide.test.mjs).
    const sandbox = (await invoke(driver, "overview")).orgs[0];
    await invoke(driver, "save_org", { org: { ...sandbox, id: "wrong-client", name: "Try: wrong client", client_id: "no-such-app" }, clientSecret: null });
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Accessible", reconnectOf: null });
    const deepLink = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
    await waitFor("the connection", async () => (await invoke(driver, "overview")).connections.length === 1);
    await states("en");
    await states("ja");
    // The same Zoom user signs in again: Zoom ends the older grant, and the window explains and
    // offers to remove the older connection.
    await closeDialogs();
    await clickFresh(driver, By, '[data-testid="back"]').catch(() => {});
    await clickFresh(driver, By, '[data-testid="new-connection"]');
    await (await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000)).sendKeys("Accessible again");
    await clickFresh(driver, By, '[data-testid="create"]');
    const url = await (await driver.wait(until.elementLocated(By.css('[data-testid="authorize-url"]')), 10000)).getAttribute("value");
    assert.deepEqual(await startApp(home, [await authorizeInSandbox(url, "owner@contoso.example")]).exited, { code: 0, signal: null });
    await driver.wait(until.elementLocated(By.css('[data-testid="superseded-dialog"]')), 10000);
    await check("ja: the older connection superseded");
    await clickFresh(driver, By, '[data-testid="remove-older"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
    await clickFresh(driver, By, '[data-testid="confirm-delete"]');
    await waitFor("the older connection to go", async () => (await invoke(driver, "overview")).connections.length === 1);
  });

  it("Delete focuses Cancel; Back to connections and a delete leave the focus on the list's heading", async () => {
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: "en" } });
    await clickFresh(driver, By, '[data-testid="back"]').catch(() => {});
    await driver.wait(until.elementLocated(By.css('[data-testid="connections-heading"]')), 10000);
    const focused = () => driver.executeScript("return document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName");
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await clickFresh(driver, By, '[data-testid="back"]');
    await waitFor("the heading to take the focus", async () => (await focused()) === "connections-heading", 5000);
    await clickFresh(driver, By, '[data-action="delete"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
    assert.equal(await focused(), "cancel-delete");
    await clickFresh(driver, By, '[data-testid="confirm-delete"]');
    await waitFor("the delete", async () => (await invoke(driver, "overview")).connections.length === 0);
    await waitFor("the heading to take the focus", async () => (await focused()) === "connections-heading", 5000);
  });
});
