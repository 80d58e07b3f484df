// The Users view in the real window against the app's embedded sandbox, in English and
// Japanese: a 10,000-user account listed and searched, one user deactivated, a bulk
// deactivation planned, confirmed, followed to its end and undone, with axe-core's WCAG rules
// on each state. What reached Zoom is read from the sandbox (`/_sandbox/changes`).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { control, freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { violations } from "./lib/axe.mjs";
import { clickFresh, invoke, openSession, pageReady, shot } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";

describe("the Users view", () => {
  let home;
  let session;
  let driver;

  before(async () => {
    home = freshHome();
    session = await openSession(home, 4491);
    driver = session.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
    await pageReady(driver);
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Contoso", reconnectOf: null });
    const deepLink = await authorizeInSandbox(flow.authorize_url, "admin@contoso.example");
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
    await waitFor("the connection", async () => (await invoke(driver, "overview")).connections.find((c) => c.status === "active"));
    await control(home, "/populate", { account_id: "acct_contoso", users: 10000, groups: 300 });
  });

  after(async () => {
    await session?.close();
  });

  const changes = async (prefix) => Object.entries(await control(home, "/changes")).filter(([k]) => k.startsWith(prefix));
  const text = async (css) => driver.findElement(By.css(css)).getText();
  const noViolations = async (state) => assert.deepEqual(await violations(driver), [], state);

  /** The plan's summary once the dry run answered; what the dialog said if it did not. */
  async function planned() {
    try {
      return await driver.wait(until.elementLocated(By.css('[data-testid="bulk-plan-summary"]')), 30000);
    } catch (e) {
      const said = await text('[data-testid="bulk-error"]').catch(() => "(no dialog)");
      throw new Error(`no plan: the dialog says ${JSON.stringify(said)}`, { cause: e });
    }
  }

  async function openUsers(lang) {
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: lang } });
    await driver.wait(async () => (await driver.executeScript("return document.documentElement.lang")) === lang, 10000);
    await clickFresh(driver, By, '[data-action="users"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="users-page"]')), 10000);
    // 10,000 populated and the seed's 7 of Contoso, every status (less the one removed in English).
    await driver.wait(async () => /1000[67]/.test(await text('[data-testid="users-status"]').catch(() => "")), 30000);
  }

  for (const lang of ["en", "ja"]) {
    const suffix = lang === "ja" ? "-ja" : "";
    it(`lists 10,000 users, narrows as you type, and acts on one: deactivate, activate, edit, groups, remove (${lang})`, async () => {
      await openUsers(lang);
      const drawn = await driver.findElements(By.css('[data-testid="users-list"] li'));
      assert.ok(drawn.length > 5 && drawn.length < 80, `only the rows in sight are drawn: ${drawn.length}`);
      assert.equal(await drawn[0].getAttribute("aria-setsize"), lang === "en" ? "10007" : "10006");
      await shot(driver, `users-list${suffix}.png`);
      await noViolations(`${lang}: users`);
      const who = lang === "en" ? "user00042@contoso.example" : "user00043@contoso.example";
      await driver.findElement(By.css('[data-testid="users-search"]')).sendKeys(who);
      await driver.wait(async () => (await driver.findElements(By.css('[data-testid="users-list"] li'))).length === 1, 5000);
      await clickFresh(driver, By, `[data-email="${who}"]`);
      await driver.wait(async () => (await text('[data-testid="user-details"]')).includes(who), 5000);
      await noViolations(`${lang}: a user's details`);
      const before = (await changes("deactivate ")).length;
      await clickFresh(driver, By, '[data-testid="user-deactivate"]');
      await driver.wait(async () => (await driver.findElements(By.css('[data-testid="user-activate"]'))).length === 1, 10000);
      await shot(driver, `user-deactivated${suffix}.png`);
      const done = await changes("deactivate ");
      assert.equal(done.length, before + 1, JSON.stringify(done));
      await clickFresh(driver, By, '[data-testid="user-activate"]');
      await driver.wait(async () => (await driver.findElements(By.css('[data-testid="user-deactivate"]'))).length === 1, 10000);
      assert.equal((await changes("activate ")).filter(([k]) => k.endsWith(who === "user00042@contoso.example" ? "000042" : "000043")).length, 1);
      // Remove asks first, and says which of Zoom's two removals it is.
      await clickFresh(driver, By, '[data-testid="user-remove"]');
      const dialog = await driver.wait(until.elementLocated(By.css('[data-testid="remove-dialog"]')), 5000);
      assert.equal(await driver.switchTo().activeElement().getAttribute("data-testid"), "remove-cancel");
      assert.equal(await driver.findElement(By.css('[data-testid="remove-disassociate"]')).isSelected(), true);
      await noViolations(`${lang}: remove dialog`);
      await shot(driver, `user-remove-dialog${suffix}.png`);
      await dialog.sendKeys(Key.ESCAPE);
      {
        // Edit, groups, and a removal confirmed: each reaches Zoom once and shows at once.
        await clickFresh(driver, By, '[data-testid="user-edit"]');
        const dept = await driver.wait(until.elementLocated(By.css('[data-testid="edit-dept"]')), 5000);
        await dept.clear();
        await dept.sendKeys("Legal");
        await noViolations(`${lang}: edit dialog`);
        await clickFresh(driver, By, '[data-testid="edit-save"]');
        await driver.wait(async () => (await text('[data-testid="user-details"]')).includes("Legal"), 10000);
        await clickFresh(driver, By, '[data-testid="user-add-group"]');
        await driver.wait(async () => (await driver.findElements(By.css('[data-action="remove-from-group"]'))).length === 2, 10000);
        const id = who === "user00042@contoso.example" ? "u_contoso000042" : "u_contoso000043";
        const added = Object.keys(await control(home, "/changes")).filter((k) => k.startsWith("add ") && k.endsWith(id));
        assert.equal(added.length, 1, JSON.stringify(added));
        await clickFresh(driver, By, '[data-action="remove-from-group"]');
        await driver.wait(async () => (await driver.findElements(By.css('[data-action="remove-from-group"]'))).length === 1, 10000);
        await clickFresh(driver, By, '[data-testid="user-remove"]');
        await driver.wait(until.elementLocated(By.css('[data-testid="remove-dialog"]')), 5000);
        await clickFresh(driver, By, '[data-testid="remove-confirm"]');
        await driver.wait(async () => (await driver.findElements(By.css('[data-testid="users-list"] li[aria-posinset]'))).length === 0, 10000);
        const removed = Object.keys(await control(home, "/changes")).filter((k) => k.startsWith("disassociate ") && k.endsWith(id));
        assert.deepEqual(removed, [`disassociate ${id}`]);
        await shot(driver, `user-removed${suffix}.png`);
      }
      const search = driver.findElement(By.css('[data-testid="users-search"]'));
      await search.clear();
      await search.sendKeys(Key.SPACE, Key.BACK_SPACE);
    });

    it(`runs a bulk deactivation from a pasted list, follows it, and undoes it (${lang})`, async () => {
      const first = lang === "en" ? 101 : 201;
      const emails = Array.from({ length: 30 }, (_, i) => `user${String(first + i).padStart(5, "0")}@contoso.example`);
      const before = (await changes("deactivate ")).length;
      await clickFresh(driver, By, '[data-testid="bulk-open"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="bulk-dialog"]')), 5000);
      // Commas between them: WebKitWebDriver types no newline into a textarea.
      await driver.findElement(By.css('[data-testid="bulk-users"]')).sendKeys([...emails, "owner@contoso.example", "ghost@contoso.example"].join(", "));
      await noViolations(`${lang}: bulk, first step`);
      await clickFresh(driver, By, '[data-testid="bulk-check"]');
      const summary = await planned();
      assert.match(await summary.getText(), lang === "en" ? /30 will change, 0 are already so, 2 are left out/ : /変更 30 人、変更不要 0 人、対象外 2 人/);
      assert.equal((await changes("deactivate ")).length, before, "the dry run changed nothing");
      await shot(driver, `bulk-plan${suffix}.png`);
      await noViolations(`${lang}: bulk plan`);
      await clickFresh(driver, By, '[data-testid="bulk-run"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="bulk-close"]')), 30000);
      const runId = await driver.findElement(By.css('[data-testid="bulk-dialog"]')).getAttribute("data-run");
      await shot(driver, `bulk-finished${suffix}.png`);
      await noViolations(`${lang}: bulk finished`);
      const after = await changes("deactivate ");
      assert.equal(after.length, before + 30);
      assert.ok(after.every(([, n]) => n === 1), "no user deactivated twice");
      await clickFresh(driver, By, '[data-testid="bulk-export"]');
      const saved = await driver.wait(async () => (await text('[data-testid="bulk-exported"]')) || null, 10000);
      const path = saved.replace(/^.*?(\/\S+\.csv).*$/, "$1");
      assert.ok(existsSync(path), `the results file: ${saved}`);
      await clickFresh(driver, By, '[data-testid="bulk-close"]');
      // The recent runs list it, and its Undo activates the same 30 again.
      const undo = `[data-action="undo-run"][data-run="${runId}"]`;
      await driver.wait(until.elementLocated(By.css(undo)), 10000);
      await noViolations(`${lang}: recent bulk actions`);
      await clickFresh(driver, By, undo);
      await planned();
      await clickFresh(driver, By, '[data-testid="bulk-run"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="bulk-close"]')), 30000);
      const activated = (await changes("activate ")).filter(([k]) => emails.some((e) => k.endsWith(String(Number(e.slice(4, 9))).padStart(6, "0"))));
      assert.equal(activated.length, 30, JSON.stringify(activated));
      await clickFresh(driver, By, '[data-testid="bulk-close"]');
      await clickFresh(driver, By, '[data-testid="users-back"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="connections-heading"]')), 5000);
    });
  }
});
