// The person's web browser in the journey tests: WebKitGTK's MiniBrowser (it ships with the
// webview the app itself uses) driven by WebKitWebDriver. It loads the sandbox's sign-in pages,
// runs the relay page's script, and shows where Zoom sends it back, like a desktop browser.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import { join } from "node:path";
import { Builder, By } from "selenium-webdriver";
import { repoRoot, scratchDir, spawnGroup, within } from "./app.mjs";

const MINIBROWSER = ["/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser", "/usr/libexec/webkit2gtk-4.1/MiniBrowser"];

function miniBrowser() {
  const found = MINIBROWSER.find((path) => existsSync(path));
  if (found) return found;
  throw new Error("WebKitGTK's MiniBrowser was not found (package libwebkit2gtk-4.1-0)");
}

export async function openBrowser(home, port) {
  const wd = spawnGroup("WebKitWebDriver", [`--port=${port}`], home.env);
  let driver;
  for (let i = 0; i < 50 && !driver; i++) {
    try {
      driver = await new Builder()
        .usingServer(`http://127.0.0.1:${port}`)
        .withCapabilities({
          browserName: "MiniBrowser",
          // The relay page is served with a self-signed certificate for the test.
          acceptInsecureCerts: true,
          "webkitgtk:browserOptions": { binary: miniBrowser(), args: ["--automation"] },
        })
        .build();
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (!driver) throw new Error("no MiniBrowser session");
  return { driver, close: async () => (await within(10000, "ending the browser session", driver.quit()).catch(() => {}), wd.kill()) };
}

const buttonWithText = (text) => By.xpath(`//button[contains(normalize-space(.), ${JSON.stringify(text)})]`);

/** The element, once the page that has it is there. A click that submits a form returns before
 * the browser leaves the page, and WebKitWebDriver fails a lookup that the unload interrupts
 * ("Callback was not called before the unload event"): such a lookup is simply tried again. */
async function findSoon(driver, locator, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const found = await driver.findElements(locator);
      if (found.length) return found[0];
    } catch {
      // the page is being replaced
    }
    if (Date.now() > deadline) throw new Error(`not found in the browser: ${locator}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function press(driver, locator) {
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      return await (await findSoon(driver, locator)).click();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Plays the person on the sandbox's pages, from the authorize URL the app opened: one of the four
 * sign-in choices, then Pre-Approve and Authorize. `who` is an email (password), or the label of
 * the identity to pick (SSO, Google, Facebook). Resolves when the browser has left the sandbox.
 */
export async function signIn(driver, authorizeUrl, choice, who) {
  await driver.get(authorizeUrl);
  if (choice === "password") {
    await (await findSoon(driver, By.id("email"))).sendKeys(who);
    await (await findSoon(driver, By.id("password"))).sendKeys("sandbox");
    await press(driver, By.css('input[name="robot"]'));
    await press(driver, buttonWithText("Sign In"));
  } else {
    await press(driver, buttonWithText({ sso: "SSO", google: "Google", facebook: "Facebook" }[choice]));
    if (choice === "sso") {
      await (await findSoon(driver, By.id("domain"))).sendKeys("contoso");
      await press(driver, buttonWithText("Continue"));
    }
    await press(driver, buttonWithText(who));
  }
  await press(driver, buttonWithText("Pre-Approve"));
  await press(driver, buttonWithText("Authorize"));
  const sandboxOrigin = new URL(authorizeUrl).origin;
  const deadline = Date.now() + 10000;
  while ((await driver.getCurrentUrl().catch(() => sandboxOrigin)).startsWith(sandboxOrigin)) {
    if (Date.now() > deadline) throw new Error("the browser stayed on the sandbox's pages");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the browser was sent to a `zoom-connections://` link (it cannot open it itself:
 * the test then plays the OS and starts the app with it). */
export async function deepLinkReached(driver) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const url = await driver.getCurrentUrl().catch(() => "");
    if (url.startsWith("zoom-connections://")) return url;
    if (Date.now() > deadline) throw new Error(`the browser is at ${url}, not at a zoom-connections:// link`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The HTTPS relay page (ui/relay/) served on 127.0.0.1 with a self-signed certificate made for
 * the test (openssl), as an admin would host it on any https address.
 */
export async function startRelayServer() {
  const dir = scratchDir("zc-relay-");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  const files = { "/relay/": ["index.html", "text/html"], "/relay/relay.js": ["relay.js", "text/javascript"] };
  const requests = [];
  const server = createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (req, res) => {
    const path = new URL(req.url, "https://127.0.0.1").pathname;
    requests.push(path);
    const file = files[path];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": file[1] }).end(readFileSync(join(repoRoot, "ui/relay", file[0])));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `https://127.0.0.1:${server.address().port}/relay/`, requests, close: () => server.close() };
}
