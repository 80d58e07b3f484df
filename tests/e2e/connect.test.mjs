// A connection created through the real app: the window asks the shell over IPC (as the UI
// does), the person signs in on the embedded sandbox, the OS hands the deep link to a second
// process, which forwards it to the running app; the engine stores the tokens in the keychain.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Builder } from "selenium-webdriver";
import { appBinary, freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";

const DRIVER_PORT = 4447;
const portOpen = (port) =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

// Calls a shell command exactly as the UI does, through Tauri's IPC in the real webview.
async function invoke(driver, cmd, args = {}) {
  const result = await driver.executeAsyncScript(
    `const [cmd, args, done] = arguments;
     window.__TAURI_INTERNALS__.invoke(cmd, args).then((v) => done({ ok: v }), (e) => done({ err: e }));`,
    cmd,
    args,
  );
  if (result.err) throw Object.assign(new Error(result.err.message ?? JSON.stringify(result.err)), result.err);
  return result.ok;
}

function allFiles(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out = statSync(p).isDirectory() ? out.concat(allFiles(p)) : out.concat([p]);
  }
  return out;
}

describe("create a connection through the real app and deep link", () => {
  let home;
  let driverProcess;
  let driver;

  before(async () => {
    home = freshHome();
    driverProcess = spawn("tauri-driver", ["--port", String(DRIVER_PORT), "--native-port", "4448"], { env: home.env, stdio: "ignore" });
    const deadline = Date.now() + 20000;
    while (!(await portOpen(DRIVER_PORT))) {
      if (Date.now() > deadline) throw new Error("tauri-driver did not listen");
      await new Promise((r) => setTimeout(r, 100));
    }
    driver = await new Builder()
      .usingServer(`http://127.0.0.1:${DRIVER_PORT}/`)
      .withCapabilities({ browserName: "wry", "tauri:options": { application: appBinary() } })
      .build();
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
  });

  after(async () => {
    await driver?.quit().catch(() => {});
    driverProcess?.kill();
  });

  it("starts with the sandbox org and no connections", async () => {
    const overview = await invoke(driver, "overview");
    assert.equal(overview.orgs[0].id, "sandbox");
    assert.deepEqual(overview.connections, []);
    assert.equal(overview.warning, null);
  });

  it("refuses an invalid nickname with its code", async () => {
    await assert.rejects(invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "   " }), (e) => e.code === "invalid_nickname");
  });

  it("creates an Active connection through sign-in and a second process with the deep link", async () => {
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "E2E owner" });
    assert.match(flow.authorize_url, /code_challenge_method=S256/);
    const deepLink = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    assert.match(deepLink, /^zoom-connections:\/\/oauth\/callback\?code=/);
    const second = startApp(home, [deepLink]);
    assert.deepEqual(await second.exited, { code: 0, signal: null });
    let conns = [];
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      conns = (await invoke(driver, "overview")).connections;
      if (conns.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(conns.length, 1, readLogs(home));
    assert.equal(conns[0].nickname, "E2E owner");
    assert.equal(conns[0].status, "active");
    assert.equal(conns[0].identity.email, "owner@contoso.example");
    const test = await invoke(driver, "test_connection", { id: conns[0].id });
    assert.equal(test.probe, "scim");

    // The tokens are in the keychain (read back with libsecret's tool) and nowhere on disk.
    const refresh = execFileSync("secret-tool", ["lookup", "service", "zoom-connections", "username", `conn/${conns[0].id}/refresh`], { encoding: "utf8" }).trim();
    assert.match(refresh, /^zsr_/);
    for (const file of allFiles(home.base)) {
      assert.ok(!readFileSync(file).includes(refresh), `${file} holds the refresh token`);
    }
  });

  it("a replayed deep link is refused and changes nothing", async () => {
    const before = (await invoke(driver, "overview")).connections;
    const second = startApp(home, ["zoom-connections://oauth/callback?code=zsc_replayed&state=not-a-pending-state"]);
    await second.exited;
    await waitFor("the refusal", () => readLogs(home).includes("state_mismatch"));
    assert.deepEqual((await invoke(driver, "overview")).connections, before);
  });

  it("deletes the connection, and the grant is gone at the sandbox", async () => {
    const [conn] = (await invoke(driver, "overview")).connections;
    await invoke(driver, "delete_connection", { id: conn.id });
    assert.deepEqual((await invoke(driver, "overview")).connections, []);
    const sandboxUrl = /sandbox mode: the embedded Zoom sandbox is running url=(\S+)/.exec(readLogs(home))[1];
    const grants = await (await fetch(`${sandboxUrl}/_sandbox/grants`)).json();
    assert.equal(grants.grants[0].status, "revoked");
  });
});
