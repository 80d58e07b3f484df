// A WebDriver session on the real app: tauri-driver (with WebKitWebDriver) launches the binary.
import { connect } from "node:net";
import { Builder, By, until } from "selenium-webdriver";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { appBinary, ensureArtifacts, spawnGroup, within } from "./app.mjs";

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** Starts tauri-driver on `port` (its WebKitWebDriver on `port + 1`) and opens a session. */
export async function openSession(home, port) {
  const driverProcess = spawnGroup("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], home.env);
  const deadline = Date.now() + 20000;
  while (!(await portOpen(port))) {
    if (Date.now() > deadline) throw new Error("tauri-driver did not listen");
    await new Promise((r) => setTimeout(r, 100));
  }
  const driver = await new Builder()
    .usingServer(`http://127.0.0.1:${port}/`)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: appBinary() } })
    .build();
  const close = async () => {
    await within(10000, "ending the WebDriver session", driver.quit()).catch(() => {});
    const exited = new Promise((resolve) => (driverProcess.child.exitCode !== null || driverProcess.child.signalCode !== null ? resolve() : driverProcess.child.once("exit", resolve)));
    driverProcess.kill();
    // A session opened next on the same port must not reach this dying tauri-driver (seen: the
    // port still answered, then refused the new session's first request).
    await within(10000, "tauri-driver to exit", exited);
    const closedBy = Date.now() + 10000;
    while ((await portOpen(port)) || (await portOpen(port + 1))) {
      if (Date.now() > closedBy) throw new Error(`port ${port} still open after tauri-driver exited`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { driver, close };
}

/** Until the page has drawn what it draws once the shell answered (Settings is there then): on a
 * loaded machine that comes later than the app's "started" log line, and a test that clicked
 * before it found no New Connection (a CI run of s2s.test.mjs). */
export async function pageReady(driver, timeoutMs = 30000) {
  await driver.wait(until.elementLocated(By.css('[data-testid="open-settings"]')), timeoutMs);
}

/** Calls a shell command exactly as the UI does, through Tauri's IPC in the real webview. */
export async function invoke(driver, cmd, args = {}) {
  const result = await driver.executeAsyncScript(
    `const [cmd, args, done] = arguments;
     window.__TAURI_INTERNALS__.invoke(cmd, args).then((v) => done({ ok: v }), (e) => done({ err: e }));`,
    cmd,
    args,
  );
  if (result.err) throw Object.assign(new Error(result.err.message ?? JSON.stringify(result.err)), result.err);
  return result.ok;
}

/** Clicks what `css` finds, looking it up afresh on each try: the page re-renders on events, so
 * an element found a moment ago may already have been replaced. If WebKitWebDriver keeps calling
 * a visible, enabled button "not interactable" (seen for buttons inside the horizontally
 * scrolling table), the click is made through the DOM instead: the test is about what the page
 * does with the click, and the page's own handler runs either way. */
export async function clickFresh(driver, By, css, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await driver.findElement(By.css(css))).click();
      return;
    } catch (e) {
      if (Date.now() > deadline) {
        const clicked = await driver.executeScript(
          "const el = document.querySelector(arguments[0]); if (!el || el.disabled || !el.offsetParent) return false; el.click(); return true;",
          css,
        );
        if (!clicked) throw e;
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A screenshot once the page has painted what the test just did (WebKitWebDriver otherwise
 * returns the previous frame). Saved under artifacts/e2e/. */
export async function shot(driver, name) {
  // Two frames, or half a second if the page is not painting frames at all.
  await within(
    15000,
    `waiting for a frame before ${name}`,
    driver.executeAsyncScript(
      "const done = arguments[0]; setTimeout(done, 500); requestAnimationFrame(() => requestAnimationFrame(() => done()));",
    ),
  );
  const png = await within(30000, `taking ${name}`, driver.takeScreenshot());
  writeFileSync(join(ensureArtifacts(), name), Buffer.from(png, "base64"));
}
