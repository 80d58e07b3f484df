// The real app window in a real WebKit webview, driven through tauri-driver (WebDriver).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By } from "selenium-webdriver";
import { ensureArtifacts, freshHome, waitFor } from "./lib/app.mjs";
import { openSession } from "./lib/driver.mjs";

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

  it("is a real X window titled Zoom Connections", async () => {
    const tree = await waitFor("the X window", () => {
      const out = execFileSync("xwininfo", ["-root", "-tree"], { encoding: "utf8" });
      return out.includes('"Zoom Connections"') ? out : null;
    }, 10000);
    assert.ok(tree.includes('"Zoom Connections"'));
  });

  it("saves a screenshot", async () => {
    const dir = ensureArtifacts();
    const png = Buffer.from(await driver.takeScreenshot(), "base64");
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    writeFileSync(join(dir, "empty-state.png"), png);
  });
});
