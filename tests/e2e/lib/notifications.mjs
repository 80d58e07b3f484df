// A desktop notification server on the test's own session bus (org.freedesktop.Notifications,
// the Desktop Notifications Specification 1.2), as a desktop shell runs one: what the app
// shows is read where a user would see it, not from the app's log line written before it.
// The server is lib/notification-server.mjs, in a process of its own.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Starts the server; `shown` lists what it has shown ({ app, summary, body }, in order),
 * `stop()` ends it. */
export async function notificationServer() {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./notification-server.mjs", import.meta.url))], { stdio: ["ignore", "pipe", "inherit"] });
  const shown = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the notification server exited (${code})`)));
    lines.on("line", (line) => {
      if (line === "ready") resolve();
      else shown.push(JSON.parse(line));
    });
  });
  return { shown, stop: () => child.kill() };
}
