// The window at first sight (docs/i18n.md, The window at first sight), in the real window, in
// English and Japanese: what to do next on an empty list (and who to sign in as in the
// sandbox), Sandbox and Zoom said per org, a broken row's reason under it and nothing wider than
// the smallest window, broken rows first, a delete dialog that names the org, the Zoom user and
// the script that last borrowed the token, a waiting dialog with the time left, orgs always on
// screen with an all-orgs view, one Save in Settings with a warning before unsaved changes are
// dropped, Zoom's refusal under its field, and messages that belong to one action and follow
// the language. Each state's screenshot is saved and passes axe-core's WCAG 2.1 A/AA rules.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { appBinary, control, freshHome, openedUrls, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { violations } from "./lib/axe.mjs";
import { clickFresh, escapeDialogs, invoke, openSession, pageReady, selectOption, shot } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";

const LANGS = ["en", "ja"];
/** The smallest window the app allows (tauri.conf.json, minWidth × minHeight). */
const SMALLEST = { width: 640, height: 420 };
/** The longest nickname a connection may have: 64 characters, and no space to break at. */
const LONG_NICK = "Contoso-production-tenant-for-nightly-provisioning-and-SCIM-sync";
const OWNER = "owner@contoso.example";
const ADMIN = "admin@contoso.example";

describe("the window at first sight", () => {
  let home;
  let session;
  let driver;
  const text = (css) => driver.findElement(By.css(css)).getText().catch(() => "");
  const exists = async (css) => (await driver.findElements(By.css(css))).length > 0;
  const closeDialogs = () => escapeDialogs(driver, By, Key);
  const noDialog = () => driver.wait(async () => !(await exists("dialog[open]")), 10000);
  const cli = (...args) => spawnSync(join(dirname(appBinary()), "zoom-connections"), args, { env: home.env, encoding: "utf8" });
  const overview = () => invoke(driver, "overview");
  /** Picks an org in the list's selector, as a person does (a change event). */
  const pickOrg = (value) => selectOption(driver, By, "#org", value);
  const setLanguage = async (lang) => {
    await invoke(driver, "save_settings", { settings: { ...(await invoke(driver, "get_settings")), language: lang } });
    await driver.wait(async () => (await driver.executeScript("return document.documentElement.lang")) === lang, 10000);
  };
  /** The state's screenshot, and axe-core's verdict on it. */
  const state = async (name) => {
    await shot(driver, `first-sight-${name}.png`);
    const found = await violations(driver);
    assert.deepEqual(found, [], `${name}: ${JSON.stringify(found, null, 1)}`);
  };
  /** Whatever is wider than the window: the page, the table, a row's button. */
  const overflow = () =>
    driver.executeScript(`
      const doc = document.documentElement;
      const wrap = document.querySelector(".table-wrap");
      const outside = [...document.querySelectorAll("tr[data-connection] .actions button, .toolbar button, .list-tools > *")]
        .filter((b) => b.getBoundingClientRect().right > doc.clientWidth + 0.5)
        .map((b) => b.textContent);
      return { page: doc.scrollWidth - doc.clientWidth, table: wrap ? wrap.scrollWidth - wrap.clientWidth : 0, outside };`);
  const signIn = async (authorizeUrl, email) => {
    const deepLink = await authorizeInSandbox(authorizeUrl, email);
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
  };

  before(async () => {
    home = freshHome();
    // The app's clock follows the sandbox's: 91 days pass in a moment for the longest reason.
    home.env.ZOOM_CONNECTIONS_SANDBOX_TIME = "1";
    session = await openSession(home, 4497);
    driver = session.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
    await pageReady(driver);
  });

  after(async () => session?.close());

  it("1. an empty list offers the next step: try the sandbox (who to sign in as is said) or set up Zoom", async () => {
    for (const lang of LANGS) {
      await setLanguage(lang);
      await driver.wait(until.elementLocated(By.css('[data-testid="try-sandbox"]')), 10000);
      const empty = await text('[data-testid="empty-state"]');
      assert.match(empty, /owner@contoso\.example/);
      assert.match(empty, lang === "en" ? /Try it with the sandbox/ : /サンドボックスで試す/);
      assert.match(empty, lang === "en" ? /Connect your Zoom account/ : /Zoom アカウントを接続する/);
      await state(`${lang}-empty`);
      // Connect your Zoom account: the setup guide of a new org.
      await clickFresh(driver, By, '[data-testid="connect-zoom"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="setup-guide"]')), 10000);
      assert.equal(await driver.findElement(By.css('[data-testid="settings-org-picker"]')).getAttribute("value"), "__add__");
      await clickFresh(driver, By, '[data-testid="back"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="try-sandbox"]')), 10000);
    }
    await setLanguage("en");
    const opened = openedUrls(home).length;
    await clickFresh(driver, By, '[data-testid="try-sandbox"]');
    assert.match(await text('[data-testid="new-org"]'), /Sandbox \(Sandbox\)/);
    await (await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000)).sendKeys("Production");
    await clickFresh(driver, By, '[data-testid="create"]');
    // 6. The waiting dialog: the org, who to sign in as, the time left, Open in browser again.
    await driver.wait(until.elementLocated(By.css('[data-testid="waiting-dialog"]')), 10000);
    assert.match(await text('[data-testid="sandbox-who"]'), /owner@contoso\.example .*password sandbox/);
    assert.match(await text('[data-testid="waiting-org"]'), /^Org: Sandbox \(Sandbox\)$/);
    const left = await text('[data-testid="time-left"]');
    const [, m, s] = /^Time left to sign in: (\d+):(\d\d)$/.exec(left) ?? [];
    assert.ok(Number(m) * 60 + Number(s) <= 600 && Number(m) >= 9, left);
    await waitFor("the browser opened", () => openedUrls(home).length === opened + 1, 10000);
    await clickFresh(driver, By, '[data-testid="open-again"]');
    await waitFor("the browser opened again", () => openedUrls(home).length === opened + 2, 10000);
    const url = await driver.findElement(By.css('[data-testid="authorize-url"]')).getAttribute("value");
    assert.deepEqual(openedUrls(home).slice(-2), [url, url]);
    await state("en-waiting");
    // The sandbox's own sign-in page says who to sign in as too.
    const page = await (await fetch(url)).text();
    assert.match(page, /data-testid="sandbox-who"[^]*owner@contoso\.example[^]*sandbox/);
    await signIn(url, "owner@contoso.example");
    await noDialog();
    await waitFor("the connection", async () => (await overview()).connections.length === 1);
  });

  it("2 and 7. each org is labelled Sandbox or Zoom, sandbox words only for the sandbox, an all-orgs view, the sandbox org hidden on request", async () => {
    const sandbox = (await overview()).orgs[0];
    await invoke(driver, "save_org", {
      org: { ...sandbox, id: "contoso", name: "Contoso", sandbox: false, client_id: "real-app", auth_base: "https://zoom.us", api_base: "https://api.zoom.us", redirect: { kind: "loopback" } },
      clientSecret: null,
    });
    for (const lang of LANGS) {
      await setLanguage(lang);
      const select = await driver.wait(until.elementLocated(By.css('select[data-testid="org"]')), 10000);
      // Several orgs: all of them, each with its kind, and no "sandbox mode" banner over them.
      if (lang === "en") assert.equal(await select.getAttribute("value"), "__all__", "a second org appearing shows all of them");
      else await pickOrg("__all__");
      const options = await driver.executeScript("return [...document.querySelectorAll('#org option')].map((o) => o.textContent)");
      assert.deepEqual(options, lang === "en" ? ["All orgs", "Sandbox (Sandbox)", "Contoso (Zoom)"] : ["すべての Org", "Sandbox（サンドボックス）", "Contoso（Zoom）"]);
      assert.equal(await exists('[data-testid="sandbox-banner"]'), false);
      assert.match(await text(`tr[data-connection] [data-testid="row-org"]`), lang === "en" ? /Sandbox · Sandbox/ : /Sandbox · サンドボックス/);
      await state(`${lang}-all-orgs`);
      // The Zoom org: its own words, its next step.
      await pickOrg("contoso");
      await driver.wait(until.elementLocated(By.css('[data-testid="empty-new"]')), 10000);
      assert.equal(await exists('[data-testid="sandbox-banner"]'), false);
      assert.match(await text('[data-testid="empty-org"]'), lang === "en" ? /No connections in “Contoso” yet/ : /「Contoso」にはまだ接続がありません/);
      await state(`${lang}-zoom-org-empty`);
      // New Connection says where it creates, and lets the org be changed.
      await clickFresh(driver, By, '[data-testid="empty-new"]');
      const where = await driver.wait(until.elementLocated(By.css('select[data-testid="new-org"]')), 5000);
      assert.equal(await where.getAttribute("value"), "contoso");
      await closeDialogs();
      await pickOrg("sandbox");
      await driver.wait(until.elementLocated(By.css('[data-testid="sandbox-banner"]')), 5000);
    }
    await setLanguage("en");
    // Hide the sandbox org (a Zoom org exists): only Contoso is listed, shown by its name.
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await clickFresh(driver, By, '[data-testid="hide-sandbox"]');
    await clickFresh(driver, By, '[data-testid="save-settings"]');
    await driver.wait(async () => (await text('[data-testid="settings-status"]')) === "Saved.", 10000);
    await clickFresh(driver, By, '[data-testid="back"]');
    await driver.wait(async () => (await text('output[data-testid="org"]')) === "Contoso (Zoom)", 10000);
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await clickFresh(driver, By, '[data-testid="hide-sandbox"]');
    await clickFresh(driver, By, '[data-testid="save-settings"]');
    await driver.wait(async () => (await text('[data-testid="settings-status"]')) === "Saved.", 10000);
    await clickFresh(driver, By, '[data-testid="back"]');
    await driver.wait(until.elementLocated(By.css('select[data-testid="org"]')), 10000);
  });

  it("3 and 4. a broken row comes first with its reason on a line of its own, Reconnect primary; nothing overflows the smallest window", async () => {
    // Made after Production: a Server-to-Server connection (its row has the most words in
    // Japanese) and the admin's, under the longest nickname.
    await invoke(driver, "create_s2s_connection", { form: { org_id: "sandbox", nickname: "Provisioning", account_id: "acct_contoso", client_id: "sandbox-s2s" }, clientSecret: "sandbox-s2s-secret" });
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: LONG_NICK, reconnectOf: null });
    await signIn(flow.authorize_url, ADMIN);
    await waitFor("three connections", async () => (await overview()).connections.length === 3);
    // The longest reason the window says: a refresh token that ended 91 days after its sign-in.
    await control(home, "/settings", { refresh_token_lifetime: { seconds: 90 * 86400, from: "grant" } });
    await control(home, "/clock/advance", { seconds: 91 * 86400 });
    await invoke(driver, "run_keepalive_now");
    const byNick = async (nick) => (await overview()).connections.find((c) => c.nickname === nick);
    await waitFor("both grants to be seen ended", async () => (await byNick(LONG_NICK)).reason?.code === "refresh_expired" && (await byNick("Production")).reason?.code === "refresh_expired", 30000);
    // Production signs in again: the broken one left is the last in the engine's order.
    const production = await byNick("Production");
    const again = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Production", reconnectOf: production.id });
    await signIn(again.authorize_url, OWNER);
    await waitFor("Production to work again", async () => (await byNick("Production")).status === "active");
    const long = await byNick(LONG_NICK);
    assert.equal((await overview()).connections.at(-1).id, long.id, "the engine lists it last");
    await driver.manage().window().setRect(SMALLEST);
    for (const lang of LANGS) {
      await setLanguage(lang);
      for (const view of ["sandbox", "__all__"]) {
        await pickOrg(view);
        await driver.wait(until.elementLocated(By.css(`tr[data-reason-of="${long.id}"]`)), 10000);
        const rows = await driver.executeScript("return [...document.querySelectorAll('tbody tr')].map((r) => r.dataset.connection ?? 'reason:' + r.dataset.reasonOf)");
        assert.deepEqual(rows.slice(0, 2), [long.id, `reason:${long.id}`], "the broken row first, its reason right under it");
        const heads = await driver.executeScript("return [...document.querySelectorAll('thead th')].map((th) => th.textContent)");
        assert.deepEqual(heads.slice(3, 5), lang === "en" ? ["Last success", "Next refresh"] : ["前回の成功", "次回の更新"]);
        assert.match(await text(`tr[data-reason-of="${long.id}"]`), lang === "en" ? /91 days/ : /91 日/);
        const primary = await driver.executeScript("return [...document.querySelectorAll('[data-action=reconnect].primary, [data-action=rotate-secret].primary')].map((b) => b.dataset.id)");
        assert.deepEqual(primary, [long.id], "Reconnect is primary only where it is needed");
        const { width } = await driver.executeScript("return { width: window.innerWidth }");
        assert.ok(width <= SMALLEST.width, `the window is at its smallest (${width})`);
        assert.deepEqual(await overflow(), { page: 0, table: 0, outside: [] }, `${lang}, ${view}: nothing wider than the window`);
        await state(`${lang}-smallest-broken-${view === "__all__" ? "all-orgs" : "sandbox"}`);
      }
      // 7. From the Zoom org, the broken connection of the sandbox is not out of sight.
      await pickOrg("contoso");
      const elsewhere = await driver.wait(until.elementLocated(By.css('[data-testid="attention-elsewhere"]')), 5000);
      assert.match(await elsewhere.getText(), lang === "en" ? /in other orgs: 1\./ : /ほかの Org に、対応が必要な接続が 1 件あります/);
      const option = await driver.executeScript("return document.querySelector('#org option[value=sandbox]').textContent");
      assert.match(option, lang === "en" ? /needs attention: 1$/ : /要対応 1 件$/);
      await state(`${lang}-attention-elsewhere`);
      await clickFresh(driver, By, '[data-testid="show-all-orgs"]');
      await driver.wait(until.elementLocated(By.css(`tr[data-reason-of="${long.id}"]`)), 5000);
    }
    await setLanguage("en");
  });

  it("5. the delete dialog names the org and the Zoom user, warns about scripts with the last borrow, and says what its button does", async () => {
    const production = (await overview()).connections.find((c) => c.nickname === "Production");
    // A script borrows its token through the running app's broker.
    const lent = cli("token", production.id);
    assert.equal(lent.status, 0, lent.stderr);
    for (const lang of LANGS) {
      await setLanguage(lang);
      await clickFresh(driver, By, `[data-action="delete"][data-id="${production.id}"]`);
      await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
      const who = await text('[data-testid="delete-who"]');
      assert.equal(who, lang === "en" ? "“Production” in the org Sandbox, signed in to Zoom as owner@contoso.example." : "Org「Sandbox」の「Production」（Zoom ユーザー：owner@contoso.example）");
      assert.match(await text('[data-testid="delete-scripts"]'), lang === "en" ? /Scripts and scheduled jobs that use this connection stop working/ : /スクリプトやスケジュールされたジョブは動かなくなります/);
      // Which program, never its arguments (a command line may carry a secret).
      await driver.wait(async () => (await text('[data-testid="delete-borrowed"]')).includes(lang === "en" ? "just now: zoom-connections." : "たった今です（zoom-connections）"), 5000);
      assert.doesNotMatch(await text('[data-testid="delete-borrowed"]'), new RegExp(production.id));
      assert.equal(await text('[data-testid="confirm-delete"]'), lang === "en" ? "Delete connection" : "削除する");
      await state(`${lang}-delete`);
      // Zoom cannot be reached: why, and Try again first.
      await control(home, "/faults", { endpoint: "revoke", fault: { kind: "http500" }, count: 1 });
      await clickFresh(driver, By, '[data-testid="confirm-delete"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="delete-locally-dialog"]')), 10000);
      assert.match(await text('[data-testid="delete-why"]'), lang === "en" ? /^Why: / : /^理由：/);
      assert.equal(await driver.executeScript("return document.activeElement.dataset.testid"), "delete-try-again");
      await state(`${lang}-delete-locally`);
      await clickFresh(driver, By, '[data-testid="delete-try-again"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="delete-dialog"]')), 5000);
      await clickFresh(driver, By, '[data-testid="cancel-delete"]');
      await noDialog();
    }
    assert.ok((await overview()).connections.some((c) => c.id === production.id), "nothing was deleted");
    await setLanguage("en");
  });

  it("6. Reconnect says which Zoom user to sign in as; Reconnect all broken goes through them one after the other", async () => {
    const long = (await overview()).connections.find((c) => c.nickname === LONG_NICK);
    await control(home, "/settings", { refresh_token_lifetime: null });
    for (const lang of LANGS) {
      await setLanguage(lang);
      await clickFresh(driver, By, `[data-action="reconnect"][data-id="${long.id}"]`);
      await driver.wait(until.elementLocated(By.css('[data-testid="sign-in-as"]')), 10000);
      assert.match(await text('[data-testid="sign-in-as"]'), /admin@contoso\.example/);
      assert.match(await text('[data-testid="time-left"]'), lang === "en" ? /^Time left to sign in: (10:00|9:[0-5]\d)$/ : /^サインインの残り時間：(10:00|9:[0-5]\d)$/);
      await state(`${lang}-reconnect-waiting`);
      await clickFresh(driver, By, '[data-testid="cancel-flow"]');
      await noDialog();
    }
    await setLanguage("en");
    // A second broken one: Production uninstalled in Zoom.
    const production = (await overview()).connections.find((c) => c.nickname === "Production");
    await control(home, "/uninstall", { email: OWNER, client_id: "sandbox-public" });
    await invoke(driver, "run_keepalive_now");
    await waitFor("Production to need a reconnect", async () => (await overview()).connections.find((c) => c.id === production.id).status === "needs_reconnect");
    await driver.wait(async () => (await text('[data-testid="reconnect-all"]')) === "Reconnect all broken (2)", 10000);
    await clickFresh(driver, By, '[data-testid="reconnect-all"]');
    for (const [i, [nick, email]] of [["Production", OWNER], [LONG_NICK, ADMIN]].entries()) {
      await driver.wait(async () => (await text('[data-testid="notice"]')) === `Next: ${nick} (${i + 1} of 2).`, 10000);
      const url = await (await driver.wait(until.elementLocated(By.css('[data-testid="authorize-url"]')), 10000)).getAttribute("value");
      assert.match(await text('[data-testid="sign-in-as"]'), new RegExp(email.replace(".", "\\.")));
      await signIn(url, email);
      await driver.wait(async () => (await driver.findElements(By.css(`[data-testid="waiting-dialog"] [data-testid="sign-in-as"]`))).length === 0 || !(await text('[data-testid="sign-in-as"]')).includes(email), 10000);
    }
    await noDialog();
    await waitFor("both to work again", async () => (await overview()).connections.every((c) => c.status === "active"));
    assert.equal(await exists('[data-testid="reconnect-all"]'), false);
  });

  it("8. Settings: General, Alerts and Orgs with one Save; unsaved changes are not dropped silently", async () => {
    await driver.manage().window().setRect({ width: 1200, height: 680 });
    for (const lang of LANGS) {
      await setLanguage(lang);
      await clickFresh(driver, By, '[data-testid="open-settings"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="settings-general"]')), 10000);
      const headings = await driver.executeScript("return [...document.querySelectorAll('main h2')].map((h) => h.textContent).slice(0, 3)");
      assert.deepEqual(headings, lang === "en" ? ["General", "Alerts", "Orgs"] : ["全般", "アラート", "Org"]);
      assert.equal(await exists('[data-testid="settings-alerts"] [data-testid="syslog-alerts"]'), true, "the syslog switch is an alert");
      assert.equal((await driver.findElements(By.css('main button.primary, main button[type="submit"]'))).length, 1, "one Save");
      const margin = await driver.findElement(By.css('[data-testid="margin"]'));
      await margin.clear();
      await margin.sendKeys("20");
      await clickFresh(driver, By, '[data-testid="back"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="unsaved-dialog"]')), 5000);
      await state(`${lang}-settings-unsaved`);
      await clickFresh(driver, By, '[data-testid="unsaved-stay"]');
      assert.equal(await driver.findElement(By.css('[data-testid="margin"]')).getAttribute("value"), "20");
      await clickFresh(driver, By, '[data-testid="back"]');
      await clickFresh(driver, By, '[data-testid="unsaved-discard"]');
      await driver.wait(until.elementLocated(By.css('[data-testid="connections-heading"]')), 10000);
      assert.equal((await invoke(driver, "get_settings")).refresh_margin_secs, 600, "discarded");
    }
    // Save from the warning saves, then leaves.
    await setLanguage("en");
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    const margin = await driver.wait(until.elementLocated(By.css('[data-testid="margin"]')), 10000);
    await margin.clear();
    await margin.sendKeys("12");
    await clickFresh(driver, By, '[data-testid="back"]');
    await clickFresh(driver, By, '[data-testid="unsaved-save"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="connections-heading"]')), 10000);
    assert.equal((await invoke(driver, "get_settings")).refresh_margin_secs, 720);
    await state("en-settings-saved-list");
  });

  it("9. the Server-to-Server dialog says Zoom's refusal under its field, its buttons in sight at the smallest window", async () => {
    // The app is connected once only (s2s.rs): its connection goes first, so Zoom is asked.
    const s2s = (await overview()).connections.find((c) => c.kind === "server_to_server");
    await invoke(driver, "delete_connection", { id: s2s.id });
    await driver.manage().window().setRect(SMALLEST);
    for (const lang of LANGS) {
      await setLanguage(lang);
      await pickOrg("sandbox");
      await clickFresh(driver, By, '[data-testid="new-connection"]');
      await (await driver.wait(until.elementLocated(By.css('[data-testid="nickname"]')), 5000)).sendKeys("Provisioning 2");
      await clickFresh(driver, By, '[data-testid="kind-s2s"]');
      for (const [id, value] of [["s2s-account-id", "acct_contoso"], ["s2s-client-id", "sandbox-s2s"], ["s2s-client-secret", "not-the-secret"]]) {
        await driver.findElement(By.css(`[data-testid="${id}"]`)).sendKeys(value);
      }
      await clickFresh(driver, By, '[data-testid="create"]');
      await driver.wait(async () => (await text('[data-testid="s2s-client-secret-error"]')).length > 0, 15000).catch(async () => {
        throw new Error(`no refusal under the secret; the dialog says: ${await text('[data-testid="new-connection-dialog"]')}`);
      });
      assert.match(await text('[data-testid="s2s-client-secret-error"]'), lang === "en" ? /^Zoom refused the client ID or secret\./ : /^Zoom がクライアント ID またはシークレットを受け付けませんでした/);
      assert.equal(await driver.findElement(By.css('[data-testid="s2s-client-secret"]')).getAttribute("aria-invalid"), "true");
      assert.equal(await text('[data-testid="nickname-error"]'), "");
      const inSight = await driver.executeScript(`
        const r = document.querySelector('[data-testid="create"]').getBoundingClientRect();
        return r.bottom <= window.innerHeight && r.top >= 0 && r.right <= window.innerWidth;`);
      assert.equal(inSight, true, "Create stays in the window");
      await state(`${lang}-s2s-refused-smallest`);
      await closeDialogs();
    }
    assert.equal((await overview()).connections.filter((c) => c.nickname === "Provisioning 2").length, 0);
    await driver.manage().window().setRect({ width: 1200, height: 680 });
  });

  it("10. a message belongs to the action that made it and follows the language", async () => {
    await setLanguage("en");
    const production = (await overview()).connections.find((c) => c.nickname === "Production");
    await clickFresh(driver, By, `[data-action="test"][data-id="${production.id}"]`);
    await driver.wait(async () => /^Production: SCIM works: \d+ users in the Zoom account\.$/.test(await text('[data-testid="notice"]')), 15000).catch(async () => {
      throw new Error(`the notice says: ${await text('[data-testid="notice"]')}`);
    });
    await setLanguage("ja");
    await driver.wait(async () => /^「Production」：SCIM が動作しています：Zoom アカウントのユーザーは \d+ 人です。$/.test(await text('[data-testid="notice"]')), 10000);
    await state("ja-test-result");
    // The next action replaces it: an earlier result never sits beside a later one.
    await clickFresh(driver, By, `[data-action="delete"][data-id="${production.id}"]`);
    await clickFresh(driver, By, '[data-testid="cancel-delete"]');
    assert.equal(await text('[data-testid="notice"]'), "");
    await setLanguage("en");
  });

  it("and what a polished tool shows: search, needs attention, Test all, rename, the script lines and last borrow in details, delete an org", async () => {
    await pickOrg("__all__");
    const search = await driver.wait(until.elementLocated(By.css('[data-testid="search"]')), 5000);
    await search.sendKeys("admin@");
    await driver.wait(async () => (await driver.findElements(By.css("tr[data-connection]"))).length === 1, 5000);
    // The field the user types in is the same element throughout (an input method's text stays).
    assert.equal(await search.getAttribute("value"), "admin@");
    // Cleared as a user clears it (WebDriver's clear() sends no input event).
    await search.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
    await driver.wait(async () => (await driver.findElements(By.css("tr[data-connection]"))).length === 2, 5000);
    await clickFresh(driver, By, '[data-testid="attention-only"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="no-match"]')), 5000);
    await clickFresh(driver, By, '[data-testid="attention-only"]');
    await clickFresh(driver, By, '[data-testid="test-all"]');
    await driver.wait(async () => /^Tested 2: 2 passed, 0 failed\.$/.test(await text('[data-testid="notice"]')), 30000);
    // Details: who, the lines to use it from a script (by id: a rename keeps them), the last borrow.
    const production = (await overview()).connections.find((c) => c.nickname === "Production");
    await clickFresh(driver, By, `[data-action="details"][data-id="${production.id}"]`);
    await driver.wait(until.elementLocated(By.css('[data-testid="use-line-0"]')), 5000);
    assert.equal(await text('[data-testid="use-line-0"]'), `zoom-connections exec ${production.id} -- ./your-script`);
    assert.match(await text('[data-testid="borrowed"]'), /: zoom-connections$/);
    assert.match(await text('[data-testid="details"]'), /Role\s*Owner/);
    await state("en-details");
    await clickFresh(driver, By, '[data-testid="rename"]');
    const field = await driver.wait(until.elementLocated(By.css('[data-testid="rename-nickname"]')), 5000);
    await field.clear();
    await field.sendKeys("Production renamed");
    await clickFresh(driver, By, '[data-testid="save-rename"]');
    await waitFor("the rename", async () => (await overview()).connections.find((c) => c.id === production.id).nickname === "Production renamed");
    await driver.wait(async () => (await text('[data-testid="notice"]')) === "Renamed to “Production renamed”.", 5000);
    // The curl line in details works as it reads, after the rename too (it names the id).
    const line = await text('[data-testid="use-line-1"]');
    const curl = spawnSync("sh", ["-c", line.replace(/^curl /, "curl -sS -w '\\n%{http_code}' ")], { env: home.env, encoding: "utf8" });
    assert.equal(curl.status, 0, curl.stderr);
    const [body, status] = [curl.stdout.slice(0, curl.stdout.lastIndexOf("\n")), curl.stdout.slice(curl.stdout.lastIndexOf("\n") + 1)];
    assert.equal(status, "200", `${line}: ${curl.stdout}`);
    assert.equal(JSON.parse(body).email, OWNER);
    // Delete an org: the empty Zoom org goes, with its settings.
    await clickFresh(driver, By, '[data-testid="open-settings"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="settings-org-picker"]')), 10000);
    await selectOption(driver, By, "#settings-org-picker", "contoso");
    await clickFresh(driver, By, '[data-testid="remove-org"]');
    await driver.wait(until.elementLocated(By.css('[data-testid="remove-org-dialog"]')), 5000);
    await state("en-remove-org");
    await clickFresh(driver, By, '[data-testid="confirm-remove-org"]');
    await waitFor("the org to go", async () => !(await overview()).orgs.some((o) => o.id === "contoso"));
    await clickFresh(driver, By, '[data-testid="back"]');
  });
});
