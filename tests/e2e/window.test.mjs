// The real app window in a real WebKit webview, driven through tauri-driver (WebDriver).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Builder, By, until } from "selenium-webdriver";
import { appBinary, ensureArtifacts, freshHome, waitFor } from "./lib/app.mjs";

const DRIVER_PORT = 4444;

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

describe("main window", () => {
  let driverProcess;
  let driver;

  before(async () => {
    const home = freshHome();
    driverProcess = spawn("tauri-driver", ["--port", String(DRIVER_PORT)], { env: home.env, stdio: "inherit" });
    const deadline = Date.now() + 20000;
    while (!(await portOpen(DRIVER_PORT))) {
      if (Date.now() > deadline) throw new Error("tauri-driver did not listen");
      await new Promise((r) => setTimeout(r, 100));
    }
    driver = await new Builder()
      .usingServer(`http://127.0.0.1:${DRIVER_PORT}/`)
      .withCapabilities({ browserName: "wry", "tauri:options": { application: appBinary() } })
      .build();
  });

  after(async () => {
    await driver?.quit().catch(() => {});
    driverProcess?.kill();
  });

  it("shows the connections page with its empty state", async () => {
    const heading = await driver.wait(until.elementLocated(By.css('[data-testid="empty-state"] h2')), 20000);
    assert.equal(await heading.getText(), "No connections yet");
    const text = await driver.findElement(By.css('[data-testid="empty-state"]')).getText();
    assert.match(text, /A connection links this app to one Zoom account/);
    assert.equal(await driver.getTitle(), "Zoom Connections");
    const footer = await driver.wait(until.elementLocated(By.css("footer")), 5000);
    await driver.wait(async () => /^Version \d+\.\d+\.\d+/.test(await footer.getText()), 5000);
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
