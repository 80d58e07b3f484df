// Hostile deep links against the running app: anyone on the machine can start
// `zoom-connections <url>`, so every malformed or forged link must be refused, leave the app up,
// and change nothing — no connection, no token, no grant, no file. A real sign-in in progress
// still completes afterwards.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { control, freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { invoke, openSession, pageReady } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";

const stateOf = (authorizeUrl) => new URL(authorizeUrl).searchParams.get("state");
const codeOf = (deepLink) => new URL(deepLink.replace("zoom-connections:", "http:")).searchParams.get("code");

describe("hostile deep links against the running app", () => {
  let home;
  let session;
  let driver;
  let sandbox;
  let pending; // a sign-in in progress that the hostile links must not disturb
  let snapshot;

  const grants = async () => (await control(home, "/grants")).grants.map((g) => [g.id, g.status, g.refreshes]);
  const metadata = () => readFileSync(join(home.base, "data/app.zoomconnections.desktop/connections.json"), "utf8");
  const state = async () => ({ connections: (await invoke(driver, "overview")).connections, grants: await grants(), file: metadata() });

  before(async () => {
    home = freshHome();
    session = await openSession(home, 4455);
    driver = session.driver;
    await waitFor("the app to start", () => readLogs(home).includes("sandbox mode"));
    await pageReady(driver);
    sandbox = /sandbox mode: the embedded Zoom sandbox is running url=(\S+)/.exec(readLogs(home))[1];
    // One real connection, to have something to protect.
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Protected" });
    const link = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    assert.deepEqual(await startApp(home, [link]).exited, { code: 0, signal: null });
    await waitFor("the connection", () => readLogs(home).includes("connection authorized"));
    pending = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Pending" });
    snapshot = await state();
    assert.equal(snapshot.connections.length, 1);
  });

  after(async () => session?.close());

  // What the running app does with a zoom-connections: link always ends in one of these lines.
  const outcomes = () => readLogs(home).match(/deep link refused|deep link not accepted|connection authorized/g)?.length ?? 0;

  async function feed(url) {
    const before = outcomes();
    const second = startApp(home, [url]);
    const result = await Promise.race([second.exited, new Promise((r) => setTimeout(() => r("hung"), 15000))]);
    assert.deepEqual(result, { code: 0, signal: null }, `the second process for ${url.slice(0, 80)}: ${second.output()}`);
    // A zoom-connections: link reaches the running app's handler, which logs what it did with it;
    // anything else is not even forwarded by the single-instance hand-over.
    if (url.startsWith("zoom-connections:")) {
      await waitFor("the link's outcome", () => outcomes() > before, 10000);
    }
    assert.deepEqual(await state(), snapshot, `changed by ${url.slice(0, 120)}`);
  }

  // Together just under Linux's limit for one argument (128 KiB); the app refuses anything over 8 KiB.
  const huge = "A".repeat(60_000);
  const cases = () => [
    ["wrong scheme", `zoom-connectionz://oauth/callback?code=zsc_x&state=${stateOf(pending.authorize_url)}`],
    ["another app's scheme", "zoommtg://zoom.us/join?confno=123"],
    ["http link", `https://evil.example/oauth/callback?code=zsc_x&state=${stateOf(pending.authorize_url)}`],
    ["a file", "file:///etc/passwd"],
    ["wrong host", "zoom-connections://evil/callback?code=zsc_x&state=x"],
    ["wrong path", "zoom-connections://oauth/callback/../../admin?code=zsc_x&state=x"],
    ["huge query", `zoom-connections://oauth/callback?code=${huge}&state=${huge}`],
    ["huge number of parameters", `zoom-connections://oauth/callback?${"a=1&".repeat(5000)}code=x&state=y`],
    ["repeated code", "zoom-connections://oauth/callback?code=zsc_a&code=zsc_b&state=unknownstate0001"],
    ["repeated state", `zoom-connections://oauth/callback?code=zsc_a&state=${stateOf(pending.authorize_url)}&state=other`],
    ["percent-encoded host", "zoom-connections://%6Fauth/callback?code=zsc_x&state=unknownstate0002"],
    ["percent-encoded path", "zoom-connections://oauth/%63allback?code=zsc_x&state=unknownstate0003"],
    ["encoded query separator", "zoom-connections://oauth/callback%3Fcode%3Dzsc_x%26state%3Dunknownstate0004"],
    ["control characters", "zoom-connections://oauth/callback?code=%00%0A%0D&state=%0Afake%20log%20line"],
    ["user info and port", "zoom-connections://user:pass@oauth:443/callback?code=zsc_x&state=y"],
    ["fragment", "zoom-connections://oauth/callback?code=zsc_x&state=y#state=z"],
    ["unknown state", "zoom-connections://oauth/callback?code=zsc_x&state=never-issued-state-0005"],
    ["error without a known state", "zoom-connections://oauth/callback?error=access_denied&state=never-issued-state-0006"],
  ];

  it("refuses each malformed or forged link, stays up, and changes nothing", async () => {
    for (const [what, url] of cases()) {
      await feed(url).catch((e) => {
        throw new Error(`${what}: ${e.message}`);
      });
    }
    // The refusals are logged with a reason and without the hostile values.
    const logs = readLogs(home);
    assert.ok(logs.includes("deep link refused"), "refusals are logged");
    for (const value of ["AAAAAAAAAAAAAAAAAAAA", "fake log line", "never-issued-state-0005", "unknownstate0001"]) {
      assert.ok(!logs.includes(value), `${value} reached the log`);
    }
  });

  it("a link with the pending sign-in's state but another sign-in's code is refused by Zoom and stores nothing", async () => {
    // A code Zoom issued for a different sign-in (another PKCE verifier): the exchange fails.
    const other = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "Other" });
    const otherLink = await authorizeInSandbox(other.authorize_url, "admin@contoso.example");
    const crossed = `zoom-connections://oauth/callback?code=${codeOf(otherLink)}&state=${stateOf(pending.authorize_url)}`;
    assert.deepEqual(await startApp(home, [crossed]).exited, { code: 0, signal: null });
    await waitFor("the failed exchange", () => /flow=.*ended with an error|error_code=zoom_invalid_grant|sign-in failed/.test(readLogs(home)), 10000);
    const now = await state();
    assert.deepEqual(now.connections, snapshot.connections);
    assert.equal(now.file, snapshot.file);
    // Zoom issued nothing for the crossed pair: no new active grant.
    assert.equal(now.grants.filter((g) => g[1] === "active").length, snapshot.grants.filter((g) => g[1] === "active").length);
  });

  it("the app still works: a genuine sign-in completes afterwards", async () => {
    const flow = await invoke(driver, "begin_connect", { orgId: "sandbox", nickname: "After the storm" });
    const link = await authorizeInSandbox(flow.authorize_url, "admin@contoso.example");
    assert.deepEqual(await startApp(home, [link]).exited, { code: 0, signal: null });
    const deadline = Date.now() + 15000;
    let conns = [];
    while (Date.now() < deadline && conns.length < 2) {
      conns = (await invoke(driver, "overview")).connections;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(conns.map((c) => [c.nickname, c.status]).sort(), [["After the storm", "active"], ["Protected", "active"]]);
  });
});
