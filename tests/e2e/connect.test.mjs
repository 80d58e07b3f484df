// A connection created through the real app: the window asks the shell over IPC (as the UI
// does), the person signs in on the embedded sandbox, the OS hands the deep link to a second
// process, which forwards it to the running app; the engine stores the tokens in the keychain.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { invoke, openSession } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";

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
  let session;
  let driver;

  before(async () => {
    home = freshHome();
    session = await openSession(home, 4447);
    driver = session.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
  });

  after(async () => session?.close());

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

    // The tray menu follows: its summary and a line for the connection (logged on each rebuild).
    await waitFor("the tray line", () => readLogs(home).includes('tray updated summary=1 connection kept alive lines=["E2E owner — Active · next '));

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
    // Once at start, once again now.
    await waitFor("the tray back to empty", () => readLogs(home).split("tray updated summary=No connections yet lines=[]").length > 2);
    const sandboxUrl = /sandbox mode: the embedded Zoom sandbox is running url=(\S+)/.exec(readLogs(home))[1];
    const grants = await (await fetch(`${sandboxUrl}/_sandbox/grants`)).json();
    assert.equal(grants.grants[0].status, "revoked");
  });
});
