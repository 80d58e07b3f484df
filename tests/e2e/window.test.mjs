// The real app window in a real WebKit webview, driven through tauri-driver (WebDriver).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { freshHome, openedUrls, readLogs, waitFor } from "./lib/app.mjs";
import { clickFresh, invoke, openSession, selectOption, shot } from "./lib/driver.mjs";

describe("main window", () => {
  let session;
  let driver;

  let home;

  before(async () => {
    home = freshHome();
    session = await openSession(home, 4444);
    driver = session.driver;
  });

  after(async () => session?.close());

  it("shows the connections page with its empty state", async () => {
    // The page renders at once, then again with the list and the version: wait for the last.
    await driver.wait(async () => {
      const footers = await driver.findElements(By.css("footer"));
      return footers.length > 0 && /^Version \d+\.\d+\.\d+/.test(await footers[0].getText().catch(() => ""));
    }, 20000);
    const heading = await driver.findElement(By.css('[data-testid="empty-state"] h2'));
    assert.equal(await heading.getText(), "No connections yet");
    const text = await driver.findElement(By.css('[data-testid="empty-state"]')).getText();
    assert.match(text, /A connection links this app to one Zoom account/);
    assert.match(await driver.findElement(By.css('[data-testid="sandbox-banner"]')).getText(), /^Sandbox: this org's connections go to the built-in Zoom sandbox/);
    assert.equal(await driver.getTitle(), "Zoom Connections");
    await shot(driver, "empty-state.png");
  });

  it("opens Settings: the app, the sandbox org's Zoom app with its redirect URL, and the uninstall help", async () => {
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    const margin = await driver.wait(until.elementLocated(By.css('[data-testid="margin"]')), 5000);
    assert.equal(await margin.getAttribute("value"), "10");
    assert.equal(await driver.findElement(By.css('[data-testid="launch-at-login"]')).isSelected(), false);
    assert.match(await driver.findElement(By.css('[data-testid="sandbox-banner"]')).getText(), /^Sandbox: this org's connections go to the built-in Zoom sandbox/);
    const url = await driver.wait(until.elementLocated(By.css('[data-testid="redirect-url"]')), 5000);
    assert.equal(await url.getText(), "zoom-connections://oauth/callback");
    assert.equal(await driver.findElement(By.css('[data-testid="client-id"]')).getAttribute("value"), "sandbox-public");
    assert.equal(await driver.findElement(By.css('[data-testid="client-secret"]')).getAttribute("type"), "password");
    await shot(driver, "settings.png");
    // The mode changes the URL to register at once (loopback: Zoom ignores the port).
    await selectOption(driver, By, '[data-testid="redirect-mode"]', "loopback");
    await driver.wait(async () => (await url.getText()) === "http://127.0.0.1/oauth/callback", 5000);
    await driver.executeScript(`document.querySelector('[data-testid="redirect-url"]').scrollIntoView({ block: "center" });`);
    await shot(driver, "settings-org.png");
    // Uninstall from Zoom opens the (sandbox's) Added Apps page in the system browser.
    await clickFresh(driver, By, '[data-testid="open-added-apps"]');
    const opened = await waitFor("the browser to be asked", () => openedUrls(home).find((u) => u.endsWith("/marketplace/added-apps")));
    const sandbox = /sandbox mode: the embedded Zoom sandbox is running url=(\S+)/.exec(readLogs(home))[1];
    assert.equal(opened, `${sandbox}/marketplace/added-apps`);
    assert.match(await (await fetch(opened)).text(), /Added Apps/);
    // The redirect mode was changed, not saved: Back asks before dropping it.
    await clickFresh(driver, By, '[data-testid="back"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="unsaved-dialog"]')), 5000);
    await clickFresh(driver, By, '[data-testid="unsaved-discard"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="empty-state"]')), 5000);
    assert.equal((await invoke(driver, "overview")).orgs[0].redirect.kind, "deep_link", "nothing was saved");
  });

  it("works from the keyboard: Tab to New Connection, Enter opens the dialog on the nickname, Escape closes it", async () => {
    await driver.wait(until.elementLocated(By.css('[data-testid="new-connection"]')), 5000);
    await driver.executeScript("document.activeElement?.blur();");
    const visited = [];
    for (let i = 0; i < 12 && visited.at(-1) !== "new-connection"; i++) {
      // Keys go to whatever has the focus, as a person's keyboard would.
      await driver.actions().sendKeys(Key.TAB).perform();
      visited.push(await driver.executeScript(`return document.activeElement?.dataset?.testid ?? document.activeElement?.tagName`));
    }
    assert.equal(visited.at(-1), "new-connection", `New Connection is reachable with Tab (visited ${visited.join(", ")})`);
    await driver.actions().sendKeys(Key.ENTER).perform();
    const input = await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000);
    await driver.wait(async () => (await driver.executeScript(`return document.activeElement?.dataset?.testid`)) === "nickname", 5000);
    assert.equal(await driver.executeScript(`return document.querySelector("label[for=" + document.activeElement.id + "]")?.textContent`), "Connection Nickname");
    await driver.actions().sendKeys(Key.ESCAPE).perform();
    await driver.wait(async () => (await driver.findElements(By.css('[data-testid="new-connection-dialog"]'))).length === 0, 5000);
  });

  it("is a real X window titled Zoom Connections", async () => {
    const tree = await waitFor("the X window", () => {
      const out = execFileSync("xwininfo", ["-root", "-tree"], { encoding: "utf8" });
      return out.includes('"Zoom Connections"') ? out : null;
    }, 10000);
    assert.ok(tree.includes('"Zoom Connections"'));
  });

});

describe("main window in Japanese", () => {
  let session;

  before(async () => {
    session = await openSession(freshHome(), 4449);
  });

  after(async () => session?.close());

  it("renders the page in Japanese", async () => {
    const driver = session.driver;
    // The language setting (the OS locale is the default; this machine has no Japanese locale
    // generated, and WebKit takes its languages from setlocale).
    await driver.wait(until.elementLocated(By.css("h1")), 20000);
    const settings = await invoke(driver, "get_settings");
    await invoke(driver, "save_settings", { settings: { ...settings, language: "ja" } });
    await driver.wait(async () => {
      const h1 = await driver.findElements(By.css("h1"));
      return h1.length > 0 && (await h1[0].getText().catch(() => "")) === "接続";
    }, 20000);
    assert.equal(await driver.findElement(By.css('[data-testid="empty-state"] h2')).getText(), "接続はまだありません");
    assert.equal(await driver.findElement(By.css('[data-testid="new-connection"]')).getText(), "新規接続");
    await shot(driver, "empty-state-ja.png");
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="margin"]')), 5000);
    assert.equal(await driver.findElement(By.css("h1")).getText(), "設定");
    await driver.wait(until.elementLocated(By.css('[data-testid="org-settings"]')), 5000);
    assert.equal(await driver.findElement(By.css("label[for=client-secret]")).getText(), "クライアントシークレット");
    assert.equal(await driver.findElement(By.css("#uninstall-heading")).getText(), "Zoom からアンインストール");
    await shot(driver, "settings-ja.png");
    await driver.executeScript(`document.querySelector('[data-testid="uninstall-help"]').scrollIntoView({ block: "end" });`);
    await shot(driver, "settings-org-ja.png");
    await clickFresh(driver, By, '[data-testid="back"]');
    await clickFresh(driver, By, '[data-testid="new-connection"]');
    const dialog = await driver.wait(until.elementLocated(By.css('[data-testid="new-connection-dialog"]')), 5000);
    await driver.findElement(By.css('[data-testid="nickname"]')).sendKeys(Key.ENTER);
    await driver.wait(async () => (await driver.findElement(By.css('[data-testid="nickname-error"]')).getText()) === "接続ニックネームを入力してください。", 5000);
    assert.match(await dialog.getText(), /接続ニックネーム/);
    await shot(driver, "new-connection-dialog-ja.png");
  });
});
