// A WebDriver session on the real app: tauri-driver (with WebKitWebDriver) launches the binary.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { Builder } from "selenium-webdriver";
import { appBinary } from "./app.mjs";

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** Starts tauri-driver on `port` (its WebKitWebDriver on `port + 1`) and opens a session. */
export async function openSession(home, port) {
  const driverProcess = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], {
    env: home.env,
    stdio: "ignore",
  });
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
    await driver.quit().catch(() => {});
    driverProcess.kill();
  };
  return { driver, close };
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
