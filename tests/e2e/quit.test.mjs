// Quitting never loses a rotation (docs/architecture.md, Token invariants): SIGTERM while a
// refresh is at Zoom waits for Zoom's answer, stores the rotated refresh token and only then
// exits; after a restart the connection keeps refreshing with it. The real app, started by
// tauri-driver, its embedded sandbox holding the refresh's answer back (the `delay` fault). The
// sandbox lives in the app's process: an app that exited at once would take the unanswered
// refresh with it, so the test checks that Zoom answered before the exit and that the quit waited.
// Then the two other ways quitting ends: a rotation still held when the wait runs out (the app
// exits anyway and says so; what it had stored is kept), and a second SIGTERM (the app exits at
// once; an answer Zoom had not sent yet is lost, and the connection says so after a restart).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { control, freshHome, readLogs, startApp, waitFor } from "./lib/app.mjs";
import { invoke, openSession } from "./lib/driver.mjs";
import { authorizeInSandbox } from "./lib/sandbox-user.mjs";

/** How long the sandbox holds the refresh's answer. */
const HELD_MS = 8000;

const running = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("SIGTERM while a refresh is in flight", () => {
  let home;
  let session;

  before(async () => {
    home = freshHome();
    // The app's clock follows the sandbox's time travel (a token due without waiting an hour).
    home.env.ZOOM_CONNECTIONS_SANDBOX_TIME = "1";
    session = await openSession(home, 4481);
    await waitFor("the broker", () => readLogs(home).includes("broker serving"));
    const flow = await invoke(session.driver, "begin_connect", { orgId: "sandbox", nickname: "Draining", reconnectOf: null });
    const deepLink = await authorizeInSandbox(flow.authorize_url, "owner@contoso.example");
    assert.deepEqual(await startApp(home, [deepLink]).exited, { code: 0, signal: null });
    await waitFor("the connection", async () => (await invoke(session.driver, "overview")).connections.find((c) => c.status === "active"));
  });

  after(async () => {
    await session?.close();
  });

  const refreshes = async () => (await control(home, "/grants")).grants.filter((g) => g.status === "active").map((g) => g.refreshes);

  it("waits for Zoom's answer, keeps the rotated refresh token, and the connection refreshes again after a restart", async () => {
    const { pid } = JSON.parse(readFileSync(join(home.env.XDG_RUNTIME_DIR, "zoom-connections", "broker.json"), "utf8"));
    assert.deepEqual(await refreshes(), [0]);
    // The fault first: keepalive's own tick may run the refresh as soon as the token is due.
    await control(home, "/faults", { endpoint: "refresh", fault: { kind: "delay", millis: HELD_MS }, count: 1 });
    await control(home, "/clock/advance", { seconds: 3000 }); // inside the 10-minute margin
    // Not awaited: the sweep is held at the sandbox while the app is told to quit.
    invoke(session.driver, "run_keepalive_now").catch(() => {});
    // The sandbox takes the fault as the refresh arrives, then holds it HELD_MS.
    await waitFor("the refresh held at the sandbox", async () => (await control(home, "/faults")).armed.length === 0, 10000);
    process.kill(pid, "SIGTERM");
    await waitFor("the app to exit", () => !running(pid), 30000);

    const log = readLogs(home);
    assert.ok(log.includes("SIGTERM: quitting"), log.slice(-2000));
    const quit = log.split("\n").find((l) => l.includes("every token is in the keychain"));
    assert.ok(quit, `the app did not say that it quit cleanly:\n${log.slice(-2000)}`);
    // That the quit waited is proved below, not by a duration: the sandbox lives in the app's
    // process, so Zoom's answer (refreshes [1]) exists only if the app outlived the held refresh.

    // The app is gone; its tauri-driver session with it. The same home, started again.
    await session.close();
    session = await openSession(home, 4483);
    assert.deepEqual(await refreshes(), [1], "Zoom answered the refresh before the app exited");
    const conn = await waitFor("the connection after the restart", async () => (await invoke(session.driver, "overview")).connections.find((c) => c.nickname === "Draining"));
    assert.equal(conn.status, "active");
    // The refresh token the quitting app stored is the live one: the next refresh works.
    await control(home, "/clock/advance", { seconds: 3000 });
    await invoke(session.driver, "run_keepalive_now");
    await waitFor("the next refresh", async () => (await refreshes())[0] === 2, 20000);
    const after = (await invoke(session.driver, "overview")).connections.find((c) => c.nickname === "Draining");
    assert.equal(after.status, "active", JSON.stringify(after));
  });

  /** Holds the next refresh at the sandbox for `millis`, makes it due, runs it, and waits until
   * the sandbox holds it; returns the app's pid. */
  async function holdARefresh(millis, kind = "delay") {
    const { pid } = JSON.parse(readFileSync(join(home.env.XDG_RUNTIME_DIR, "zoom-connections", "broker.json"), "utf8"));
    await control(home, "/faults", { endpoint: "refresh", fault: { kind, millis }, count: 1 });
    await control(home, "/clock/advance", { seconds: 3000 });
    invoke(session.driver, "run_keepalive_now").catch(() => {});
    await waitFor("the refresh held at the sandbox", async () => (await control(home, "/faults")).armed.length === 0, 10000);
    return pid;
  }

  it("a rotation still held when the wait runs out (its probe of Zoom outlasting QUIT_WAIT): the app exits and says so; its tokens were stored, so the connection goes on after a restart", async () => {
    const { pid } = JSON.parse(readFileSync(join(home.env.XDG_RUNTIME_DIR, "zoom-connections", "broker.json"), "utf8"));
    // Zoom answers the refresh after 15 s (well inside the app's 20 s timeout); the rotated
    // tokens are stored, then the probe that follows is held until its own 20 s timeout: the
    // rotation holds the connection until about 35 s, past QUIT_WAIT (32 s, quit.rs).
    await control(home, "/faults", { endpoint: "refresh", fault: { kind: "delay", millis: 15000 }, count: 1 });
    await control(home, "/faults", { endpoint: "users_me", fault: { kind: "delay", millis: 25000 }, count: 1 });
    await control(home, "/clock/advance", { seconds: 3000 });
    invoke(session.driver, "run_keepalive_now").catch(() => {});
    await waitFor("the refresh at the sandbox", async () => (await control(home, "/faults")).armed.length === 1, 10000);
    const logged = readLogs(home).length;
    process.kill(pid, "SIGTERM");
    await waitFor("the app to exit", () => !running(pid), 60000);
    const log = readLogs(home).slice(logged);
    assert.match(log, /quitting with work unfinished/, log.slice(-2000));
    assert.match(log, /still_holding=1/, log.slice(-2000));
    assert.doesNotMatch(log, /every token is in the keychain/);
    await session.close();
    session = await openSession(home, 4485);
    // The tokens were in the keychain before the probe: the connection goes on.
    const conn = await waitFor("the connection after the restart", async () => (await invoke(session.driver, "overview")).connections.find((c) => c.nickname === "Draining" && c.status === "active"));
    const now = (await refreshes())[0];
    await control(home, "/clock/advance", { seconds: 3000 });
    await invoke(session.driver, "run_keepalive_now");
    await waitFor("the next refresh", async () => (await refreshes())[0] > now, 20000);
    assert.equal((await invoke(session.driver, "overview")).connections.find((c) => c.id === conn.id).status, "active");
  });

  it("a second SIGTERM while quitting exits at once, without waiting for the drain; the answer Zoom had not sent yet is lost, and the connection says so after a restart", async () => {
    // Zoom rotates at once and answers 30 s later: the app is gone before the answer.
    const pid = await holdARefresh(30000, "answer_late");
    const logged = readLogs(home).length;
    process.kill(pid, "SIGTERM");
    await waitFor("the quit to start", () => readLogs(home).slice(logged).includes("SIGTERM: quitting"), 10000);
    process.kill(pid, "SIGTERM");
    await waitFor("the app to exit", () => !running(pid), 10000);
    const log = readLogs(home).slice(logged);
    assert.match(log, /SIGTERM again while quitting: exiting now/, log.slice(-2000));
    // The drain never ended: neither of its last lines was written.
    assert.doesNotMatch(log, /every token is in the keychain|quitting with work unfinished/);
    await session.close();
    session = await openSession(home, 4485);
    // Zoom ended the old refresh token when it rotated; its answer died with the app. The
    // refresh was marked before it was sent, so the loss is told as what it is (docs/zoom.md,
    // Tokens: a lost answer), not as a deauthorization.
    await waitFor("the connection after the restart", async () => (await invoke(session.driver, "overview")).connections.find((c) => c.nickname === "Draining"));
    await control(home, "/clock/advance", { seconds: 3000 });
    await invoke(session.driver, "run_keepalive_now");
    const lost = await waitFor("the connection to need a new sign-in", async () =>
      (await invoke(session.driver, "overview")).connections.find((c) => c.nickname === "Draining" && c.status === "needs_reconnect"),
    20000);
    assert.equal(lost.reason?.code, "answer_lost", JSON.stringify(lost));
    await session.close();
    session = undefined;
  });
});
