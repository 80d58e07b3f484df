// The deep-link path as the OS drives it: a second process of the same binary started with the
// URL hands it to the running app (single instance) and exits; the running app logs it without
// its query values. Also a link at cold start, and a forged link that is refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freshHome, readLogs, startApp, stopApp, waitFor } from "./lib/app.mjs";

const CODE = "SMOKECODE7f3a9";
const STATE = "SMOKESTATE51c2e";
const link = (code, state) => `zoom-connections://oauth/callback?code=${code}&state=${state}`;

describe("deep link through a second process", () => {
  let home;
  let app;

  before(async () => {
    home = freshHome();
    app = startApp(home);
    await waitFor("the app to start", () => readLogs(home).includes("Zoom Connections starting"));
  });
  after(async () => stopApp(app));

  it("the second process hands the link over and exits at once", async () => {
    const second = startApp(home, [link(CODE, STATE)]);
    const result = await Promise.race([
      second.exited,
      new Promise((r) => setTimeout(() => r("still running"), 15000)),
    ]);
    if (result === "still running") await stopApp(second);
    assert.deepEqual(result, { code: 0, signal: null }, `second process output: ${second.output()}`);

    const line = await waitFor("the link in the first app's log", () =>
      readLogs(home).split("\n").find((l) => l.includes("deep link received")),
    );
    assert.match(line, /url=zoom-connections:\/\/oauth\/callback\?code=<redacted>&state=<redacted>$/);
    assert.equal(app.child.exitCode, null, "the first app is still running");
  });

  it("a forged link is refused with a logged reason", async () => {
    const second = startApp(home, ["zoom-connections://evil.example/callback?code=FORGEDVALUE1"]);
    await second.exited;
    const line = await waitFor("the refusal in the log", () =>
      readLogs(home).split("\n").find((l) => l.includes("deep link refused")),
    );
    assert.match(line, /invalid_callback/);
    assert.match(line, /wrong host/);
  });

  it("no query value ever reaches the log", () => {
    const logs = readLogs(home);
    for (const value of [CODE, STATE, "FORGEDVALUE1"]) assert.ok(!logs.includes(value), `${value} leaked into the log`);
  });
});

describe("deep link at cold start", () => {
  it("a link the app was started with reaches the same handler", async () => {
    const home = freshHome();
    const app = startApp(home, [link("COLDCODE0042", "COLDSTATE0042")]);
    try {
      const line = await waitFor("the cold-start link in the log", () =>
        readLogs(home).split("\n").find((l) => l.includes("deep link received")),
      );
      assert.match(line, /callback\?code=<redacted>&state=<redacted>$/);
      assert.ok(!readLogs(home).includes("COLDCODE0042"));
    } finally {
      await stopApp(app);
    }
  });
});
