// The real app window in a real WebKit webview, driven through tauri-driver (WebDriver).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By, until } from "selenium-webdriver";
import { ensureArtifacts, freshHome, waitFor } from "./lib/app.mjs";
import { clickFresh, invoke, openSession, shot } from "./lib/driver.mjs";

describe("main window", () => {
  let session;
  let driver;

  before(async () => {
    session = await openSession(freshHome(), 4444);
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
    assert.match(await driver.findElement(By.css('[data-testid="sandbox-banner"]')).getText(), /Sandbox mode/);
    assert.equal(await driver.getTitle(), "Zoom Connections");
  });

  it("opens Settings and comes back", async () => {
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    const margin = await driver.wait(until.elementLocated(By.css('[data-testid="margin"]')), 5000);
    assert.equal(await margin.getAttribute("value"), "10");
    assert.equal(await driver.findElement(By.css('[data-testid="launch-at-login"]')).isSelected(), false);
    await shot(driver, "settings.png");
    await clickFresh(driver, By, '[data-testid="back"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="empty-state"]')), 5000);
  });

  it("is a real X window titled Zoom Connections", async () => {
    const tree = await waitFor("the X window", () => {
      const out = execFileSync("xwininfo", ["-root", "-tree"], { encoding: "utf8" });
      return out.includes('"Zoom Connections"') ? out : null;
    }, 10000);
    assert.ok(tree.includes('"Zoom Connections"'));
  });

  it("saves a screenshot", async () => {
    await shot(driver, "empty-state.png");
    const png = readFileSync(join(ensureArtifacts(), "empty-state.png"));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
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
    assert.equal(await driver.findElement(By.css('[data-testid="new-connection"]')).getText(), "新しい接続");
    await shot(driver, "empty-state-ja.png");
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="margin"]')), 5000);
    assert.equal(await driver.findElement(By.css("h1")).getText(), "設定");
    await shot(driver, "settings-ja.png");
  });
});
