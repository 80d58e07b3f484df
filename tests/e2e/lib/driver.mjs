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

/** Clicks what `css` finds, as a user would: looking it up afresh on each try (the page
 * re-renders on events, so an element found a moment ago may already have been replaced), and
 * scrolled into view first (a user scrolls a wide table to reach its buttons). Never through the
 * DOM: a button that stays covered, off screen or disabled fails the test, saying which. */
export async function clickFresh(driver, By, css, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const element = await driver.findElement(By.css(css));
      await driver.executeScript("if (arguments[0].tagName !== 'OPTION') arguments[0].scrollIntoView({ block: 'center', inline: 'center' });", element);
      await element.click();
      return;
    } catch (e) {
      if (Date.now() > deadline) {
        // Why a user could not click it: what is at its centre instead, or that it is disabled.
        const why = await driver
          .executeScript(
            `const el = document.querySelector(arguments[0]);
             if (!el) return "not on the page";
             if (el.disabled) return "disabled";
             const r = el.getBoundingClientRect();
             const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
             return top === el || el.contains(top) ? "visible at " + Math.round(r.left) + "," + Math.round(r.top) : "covered by " + (top ? top.outerHTML.slice(0, 120) : "nothing (off screen)");`,
            css,
          )
          .catch(() => "unknown");
        throw new Error(`could not click ${css} as a user would (${why}): ${e.message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Picks `value` in the <select> `css` finds, as a user does: the option clicked (WebDriver
 * selects it and the page gets its input and change events), never a value set by script. */
export async function selectOption(driver, By, css, value) {
  // The <select> scrolled into view as a user brings it into sight (an option of a closed
  // select has no box of its own to scroll to).
  await driver.executeScript("document.querySelector(arguments[0])?.scrollIntoView({ block: 'center', inline: 'center' });", css);
  await clickFresh(driver, By, `${css} option[value="${value}"]`);
  // The page may draw a new <select> on the change: read whichever is there now.
  const current = () => driver.findElement(By.css(css)).then((el) => el.getAttribute("value")).catch(() => null);
  await driver.wait(async () => (await current()) === value, 5000, `${css} did not take ${value}`);
}

/** Closes every open dialog the way a user does, with Escape, top one first. */
export async function escapeDialogs(driver, By, Key) {
  const open = async () => (await driver.findElements(By.css("dialog[open]"))).length;
  for (let before = await open(); before > 0; before = await open()) {
    await driver.switchTo().activeElement().sendKeys(Key.ESCAPE);
    await driver.wait(async () => (await open()) < before, 3000, `a dialog did not close on Escape (${before} open)`);
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
