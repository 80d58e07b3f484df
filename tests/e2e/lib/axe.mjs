// axe-core in the real window (WebKitGTK through WebDriver): injected as a script, run with
// Execute Async Script and its explicit callback (WebKitWebDriver does not await a Promise
// returned from Execute Script), the result passed back as a JSON string.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** WCAG 2.1 A and AA violations on the page as it is now: `[{ id, nodes: [target…] }]`. */
export async function violations(driver) {
  await driver.manage().setTimeouts({ script: 60000 });
  const loaded = await driver.executeScript("return typeof window.axe !== 'undefined'");
  if (!loaded) await driver.executeScript(source);
  const json = await driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"], resultTypes: ["violations"] })
      .then((r) => done(JSON.stringify(r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) })))))
      .catch((e) => done(JSON.stringify({ error: String(e) })));`);
  const result = JSON.parse(json);
  if (result.error) throw new Error(`axe-core failed: ${result.error}`);
  return result;
}
