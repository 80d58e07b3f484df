// The window is destroyed when closed (src-tauri/src/window.rs): the page tells the shell where
// the user is, and a new page goes back there on load.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import type { RecalledView, RememberedView } from "./ipc";
import { catalogs } from "./i18n";
import { mount } from "./main";
import { connection, sandboxOrg } from "./test-fixtures";

afterEach(() => {
  // A dialog left open would keep its sign-in as the one waiting: closed as a user would.
  document.querySelectorAll("dialog").forEach((d) => d.open && d.close());
  clearMocks();
  document.body.replaceChildren();
});

const org = sandboxOrg;
const conn = connection("c1", "Production");
// Started about five minutes before the window was opened again (its deadline: 10 minutes after).
const flow = {
  flow_id: "f1",
  authorize_url: "http://127.0.0.1:1/oauth/authorize?state=s",
  redirect_uri: "zoom-connections://oauth/callback",
  expires_at: Math.floor(Date.now() / 1000) + 300,
  org_id: "sandbox",
  reconnect_of: "c1",
};

/** A shell that recalls `recalled` and records every view the page tells it. */
function shell(recalled: RecalledView | null, again: RecalledView | null = recalled) {
  let asked = 0;
  const told: RememberedView[] = [];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (cmd === "overview") return { orgs: [org], connections: [conn], warning: null, now: Math.floor(Date.now() / 1000), sandbox_now: Math.floor(Date.now() / 1000) };
      if (cmd === "get_settings") return { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null, syslog_alerts: true, webhook: null };
      if (cmd === "recall_view") return asked++ === 0 ? recalled : again;
      if (cmd === "remember_view") return told.push(a.view as RememberedView) > 0;
      if (cmd === "list_users" || cmd === "list_groups" || cmd === "bulk_runs" || cmd === "connection_history") return [];
      return undefined;
    },
    { shouldMockEvents: true },
  );
  return told;
}

const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];

async function page() {
  const root = document.createElement("div");
  document.body.append(root);
  await mount(root, ["en-US"]);
  return root;
}

describe("the view the window showed", () => {
  it("the first window tells the shell the list, and each move after", async () => {
    const told = shell(null);
    const root = await page();
    // No org the user picked: the next page shows what the orgs call for.
    expect(last(told)).toEqual({ page: "connections", org_id: null, connection_id: null, flow_id: null });
    (root.querySelector('[data-action="users"][data-id="c1"]') as HTMLElement).click();
    expect(last(told)).toEqual({ page: "users", org_id: null, connection_id: "c1", flow_id: null });
  });

  it("nothing is told before the recalled view is back (it would overwrite it)", async () => {
    const told = shell({ view: { page: "users", org_id: "sandbox", connection_id: "c1", flow_id: null }, flow: null, ended: null });
    const root = await page();
    expect(root.querySelector('[data-testid="users-heading"]')?.textContent).toBe("Users of Production");
    expect(told.every((v) => v.page === "users")).toBe(true);
  });

  it("a sign-in still waiting comes back with its waiting dialog and its URL", async () => {
    const told = shell({ view: { page: "connections", org_id: "sandbox", connection_id: null, flow_id: "f1" }, flow, ended: null });
    await page();
    const dialog = document.querySelector('[data-testid="waiting-dialog"]') as HTMLDialogElement;
    expect(dialog).not.toBeNull();
    expect((document.querySelector('[data-testid="authorize-url"]') as HTMLInputElement).value).toBe(flow.authorize_url);
    // The same wait: the time left counts to the flow's own deadline (not 10 minutes again),
    // and its org and Zoom user are said as when it started.
    expect(dialog.querySelector('[data-testid="time-left"]')?.textContent).toMatch(/^Time left to sign in: (5:00|4:5\d)$/);
    expect(dialog.querySelector('[data-testid="waiting-org"]')?.textContent).toBe("Org: Sandbox (Sandbox)");
    expect(dialog.querySelector('[data-testid="sign-in-as"]')?.textContent).toContain("“Production”");
    expect(last(told)?.flow_id).toBe("f1");
    // Cancelled: the shell hears that nothing waits any more.
    (dialog.querySelector('[data-testid="cancel-flow"]') as HTMLElement).click();
    expect(last(told)?.flow_id).toBeNull();
  });

  it("a connection deleted meanwhile: the list, not a view of nothing", async () => {
    shell({ view: { page: "users", org_id: "sandbox", connection_id: "gone", flow_id: null }, flow: null, ended: null });
    const root = await page();
    expect(root.querySelector('[data-testid="users-heading"]')).toBeNull();
    expect(root.querySelector('[data-testid="connections-heading"]')).not.toBeNull();
  });

  it("a sign-in that ended while the window was closed: its outcome, not a dialog", async () => {
    const was = { page: "connections" as const, org_id: "sandbox", connection_id: null, flow_id: "f1" };
    shell({ view: was, flow: null, ended: { flow_id: "f1", connection_id: null, superseded: null, error: { code: "flow_expired", message: "x", reason: null } } });
    const root = await page();
    expect(document.querySelector('[data-testid="waiting-dialog"]')).toBeNull();
    expect(root.textContent).toContain(catalogs.en.errorFlowExpired);
  });

  it("a sign-in that ends while the new page starts listening is told once", async () => {
    const was = { page: "connections" as const, org_id: "sandbox", connection_id: null, flow_id: "f1" };
    // Pending when the page asked; ended by the time its dialog listens.
    const ended = { flow_id: "f1", connection_id: "c1", superseded: null, error: null };
    shell({ view: was, flow, ended: null }, { view: was, flow: null, ended });
    const root = await page();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    // The dialog closed on the outcome, and the new connection is the highlighted row.
    expect(document.querySelector('[data-testid="waiting-dialog"]')).toBeNull();
    expect(root.querySelector('tr[data-connection="c1"]')?.className).toBe("highlight");
  });
});
