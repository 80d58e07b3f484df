import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, describe, expect, it } from "vitest";
import { h } from "./dom";
import { catalogs } from "./i18n";
import type { Capability, Connection, Overview } from "./ipc";
import { mount } from "./main";

const en = catalogs.en;
afterEach(() => clearMocks());

const sandboxOrg = { id: "sandbox", name: "Sandbox", client_id: "sandbox-public", confidential: false, sandbox: true, required: ["manage_users"] as Capability[], extra_scopes: [], auth_base: "", api_base: "", redirect: { kind: "deep_link" as const } };
const now = Math.floor(Date.now() / 1000);

function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    id: "c1",
    org_id: "sandbox",
    nickname: "Production",
    identity: { user_id: "u1", email: "owner@contoso.example", display_name: "Olivia Owner", account_id: "acct_contoso", account_number: 1, role_name: "Owner", user_type: 2 },
    granted_scopes: [],
    api_url: "http://127.0.0.1:1",
    status: "active",
    status_reason: null,
    created_at: now - 100,
    access_expires_at: now + 3000,
    last_success_at: now - 120,
    last_failure_at: null,
    next_attempt_at: null,
    consecutive_failures: 0,
    ...overrides,
  };
}

/** The shell as the page sees it: commands answered from `overview`, events mocked. */
function shell(overview: () => Overview, calls: string[] = []) {
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === "overview") return overview();
      if (cmd === "get_settings") return { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null, syslog_alerts: true, webhook: null };
      if (cmd === "plugin:app|version") return "9.8.7";
      return undefined;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

describe("connections page", () => {
  it("shows the empty state that explains what a connection is, and the sandbox banner", async () => {
    shell(() => ({ orgs: [sandboxOrg], connections: [], warning: null, now: Math.floor(Date.now() / 1000) , sandbox_now: Math.floor(Date.now() / 1000) }));
    const root = document.createElement("div");
    await mount(root, ["en-US"]);
    const empty = root.querySelector('[data-testid="empty-state"]');
    expect(empty?.querySelector("h2")?.textContent).toBe(en.emptyTitle);
    expect(empty?.textContent).toContain("keychain");
    expect(root.querySelector('[data-testid="sandbox-banner"]')?.textContent).toBe(en.sandboxBanner);
    // The next step, as buttons: try the sandbox (who to sign in as is said) or set up Zoom.
    expect(empty?.textContent).toContain("owner@contoso.example");
    expect(empty?.querySelector('[data-testid="try-sandbox"]')?.textContent).toBe(en.emptyTrySandbox);
    expect(empty?.querySelector('[data-testid="connect-zoom"]')?.textContent).toBe(en.emptyConnectZoom);
    expect(root.querySelector("footer")?.textContent).toBe("Version 9.8.7");
    expect(document.title).toBe("Zoom Connections");
  });

  it("says a startup problem in the user's language, keeping the engine's sentence for the file's name", async () => {
    const warning = { code: "storage" as const, reason: null, message: "The list of connections was unreadable and was kept aside as /data/connections.json.corrupt-1." };
    for (const [locale, lang] of [["ja-JP", "ja"], ["en-US", "en"]] as const) {
      shell(() => ({ orgs: [sandboxOrg], connections: [], warning, now: Math.floor(Date.now() / 1000), sandbox_now: Math.floor(Date.now() / 1000) }));
      const root = document.createElement("div");
      await mount(root, [locale]);
      const notice = root.querySelector('[data-testid="notice"]')?.textContent ?? "";
      expect(notice).toContain("connections.json.corrupt-1");
      if (lang === "ja") expect(notice.startsWith(catalogs.ja.errorStorage)).toBe(true);
      else expect(notice).toBe(warning.message);
      clearMocks();
    }
  });

  it("lists broken connections first, their reason on a line of its own, Reconnect primary only where needed", async () => {
    shell(() => ({
      orgs: [sandboxOrg],
      connections: [
        connection(),
        connection({ id: "c2", nickname: "Preview", status: "needs_reconnect", status_reason: "deauthorized or uninstalled in Zoom", identity: { ...connection().identity, role_name: "Admin", user_type: 3 } }),
        connection({ id: "c3", nickname: "Staging", status: "retrying", status_reason: "Zoom could not be reached: timed out (attempt 2; next in 60 s)", reason: { code: "failing", error: "network", zoom: null, attempt: 2 } }),
      ],
      warning: null,
      now: Math.floor(Date.now() / 1000), sandbox_now: Math.floor(Date.now() / 1000),
    }));
    const root = document.createElement("div");
    await mount(root, ["en-US"]);
    const heads = [...root.querySelectorAll('[data-testid="connections"] thead th')].map((th) => th.textContent);
    expect(heads).toEqual(["Nickname", "Zoom user", "Status", "Last success", "Next refresh", "Actions"]);
    const rows = [...root.querySelectorAll('[data-testid="connections"] tbody tr[data-connection]')];
    // Broken first, then retrying, then the rest.
    expect(rows.map((r) => r.querySelector("th")?.textContent)).toEqual(["Preview", "Staging", "Production"]);
    // What a cell shows (the exact time beside it is for screen readers).
    const shown = (c: Element) => [...c.childNodes].filter((n) => !(n instanceof HTMLElement && n.classList.contains("visually-hidden"))).map((n) => n.textContent).join("");
    const cells = (r: Element) => [...r.querySelectorAll("td")].map(shown);
    const production = rows[2];
    expect(cells(production).slice(0, 2)).toEqual(["owner@contoso.example", "Active"]);
    // A narrow column breaks the email after its "@", not mid-word.
    expect(production.querySelector("td")?.innerHTML).toBe("owner@<wbr>contoso.example");
    expect(cells(production)[2]).toBe("2 minutes ago");
    expect(cells(production)[3]).toMatch(/^in 4\d minutes$/);
    const chip = rows[0].querySelector('[data-testid="status"]');
    expect(chip?.textContent).toBe("Needs reconnect");
    expect(chip?.hasAttribute("tabindex")).toBe(false);
    // The reason is a row of its own right under its connection, across every column.
    const reasonRow = rows[0].nextElementSibling as HTMLElement;
    expect(reasonRow.dataset.reasonOf).toBe("c2");
    expect(reasonRow.querySelector("td")?.getAttribute("colspan")).toBe("6");
    expect(reasonRow.querySelector('[data-testid="status-reason"]')?.textContent).toBe("deauthorized or uninstalled in Zoom");
    expect(rows[0].querySelector('[data-testid="status"]')?.closest("td")?.getAttribute("aria-describedby")).toBe(reasonRow.querySelector("span")?.id);
    expect(cells(rows[0])[3]).toBe(en.needsYou);
    // A typed reason is worded by the window, in its language.
    expect((rows[1].nextElementSibling as HTMLElement).textContent).toBe("Zoom could not be reached (attempt 2)");
    // Reconnect is the primary button only of the row that needs it.
    const reconnectOf = (id: string) => root.querySelector(`[data-action="reconnect"][data-id="${id}"]`)!;
    expect(reconnectOf("c2").classList.contains("primary")).toBe(true);
    expect(reconnectOf("c1").classList.contains("primary")).toBe(false);
    expect(root.querySelector('[data-testid="reconnect-all"]')?.textContent).toBe("Reconnect all broken (1)");
  });

  it("searches, filters what needs attention, and shows every org with its problems", async () => {
    const zoomOrg = { ...sandboxOrg, id: "contoso", name: "Contoso", sandbox: false, client_id: "real" };
    shell(() => ({
      orgs: [sandboxOrg, zoomOrg],
      connections: [
        connection(),
        connection({ id: "c2", nickname: "Preview", identity: { ...connection().identity, email: "admin@contoso.example" } }),
        connection({ id: "c3", org_id: "contoso", nickname: "Real", status: "needs_reconnect", status_reason: "gone" }),
      ],
      warning: null,
      now, sandbox_now: now,
    }));
    const root = document.createElement("div");
    await mount(root, ["en-US"]);
    const names = () => [...root.querySelectorAll("tbody tr[data-connection] th button")].map((b) => b.textContent);
    const select = root.querySelector<HTMLSelectElement>('[data-testid="org"]')!;
    // Several orgs: all of them at first; each org says its kind and what needs attention.
    expect(select.value).toBe("__all__");
    expect([...select.options].map((o) => o.textContent)).toEqual(["All orgs", "Sandbox (Sandbox)", "Contoso (Zoom) — needs attention: 1"]);
    expect(root.querySelector('[data-testid="sandbox-banner"]')).toBeNull();
    expect(names()).toEqual(["Real", "Production", "Preview"]);
    select.value = "sandbox";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    expect(names()).toEqual(["Production", "Preview"]);
    expect(root.querySelector('[data-testid="sandbox-banner"]')).not.toBeNull();
    expect(root.querySelector('[data-testid="attention-elsewhere"]')?.textContent).toContain("Connections that need attention in other orgs: 1.");
    const search = root.querySelector<HTMLInputElement>('[data-testid="search"]')!;
    search.value = "ADMIN@";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    expect(names()).toEqual(["Preview"]);
    // The page is drawn again at each keystroke: the field is found again (the focus stays in it).
    const again = root.querySelector<HTMLInputElement>('[data-testid="search"]')!;
    expect(again.value).toBe("ADMIN@");
    again.value = "";
    again.dispatchEvent(new Event("input", { bubbles: true }));
    root.querySelector<HTMLElement>('[data-testid="show-all-orgs"]')!.click();
    expect(names()).toEqual(["Real", "Production", "Preview"]);
    expect(root.querySelector('tr[data-connection="c3"] [data-testid="row-org"]')?.textContent).toBe("Contoso · Zoom");
    const only = root.querySelector<HTMLInputElement>('[data-testid="attention-only"]')!;
    only.checked = true;
    only.dispatchEvent(new Event("change", { bubbles: true }));
    expect(names()).toEqual(["Real"]);
  });

  it("a superseded row's way out is Delete, not Reconnect; Reconnect all leaves it out", async () => {
    shell(() => ({
      orgs: [sandboxOrg],
      connections: [connection({ id: "c1", status: "superseded", status_reason: "replaced" }), connection({ id: "c2", nickname: "Broken", status: "needs_reconnect", status_reason: "gone" })],
      warning: null,
      now, sandbox_now: now,
    }));
    const root = document.createElement("div");
    await mount(root, ["en-US"]);
    const button = (action: string, id: string) => root.querySelector(`[data-action="${action}"][data-id="${id}"]`)!;
    expect(button("delete", "c1").classList.contains("primary")).toBe(true);
    expect(button("reconnect", "c1").classList.contains("primary")).toBe(false);
    expect(button("reconnect", "c2").classList.contains("primary")).toBe(true);
    expect(root.querySelector('[data-testid="reconnect-all"]')?.textContent).toBe("Reconnect all broken (1)");
  });

  it("all orgs with no connection yet: the Zoom org's words and next step, not the sandbox's", async () => {
    const zoomOrg = { ...sandboxOrg, id: "contoso", name: "Contoso", sandbox: false, client_id: "real" };
    shell(() => ({ orgs: [sandboxOrg, zoomOrg], connections: [], warning: null, now, sandbox_now: now }));
    const root = document.createElement("div");
    await mount(root, ["en-US"]);
    expect(root.querySelector<HTMLSelectElement>('[data-testid="org"]')!.value).toBe("__all__");
    expect(root.querySelector('[data-testid="empty-org"]')?.textContent).toBe("No connections in “Contoso” yet. New Connection opens Zoom's sign-in: sign in as an Owner or Admin of the Zoom account.");
    expect(root.querySelector('[data-testid="try-sandbox"]')).toBeNull();
    expect(root.querySelector('[data-testid="sandbox-banner"]')).toBeNull();
    (root.querySelector('[data-testid="empty-new"]') as HTMLElement).click();
    // New Connection from all orgs goes to the Zoom org by default.
    expect(document.querySelector<HTMLSelectElement>('[data-testid="new-org"]')!.value).toBe("contoso");
    document.querySelectorAll("dialog").forEach((d) => d.close());
  });

  it("measures relative times against the engine's clock (it runs ahead when on the sandbox's time)", async () => {
    const engineNow = now + 3 * 3600;
    shell(() => ({
      orgs: [sandboxOrg],
      connections: [connection({ last_success_at: engineNow - 120, access_expires_at: engineNow + 3000 })],
      warning: null,
      now: engineNow, sandbox_now: engineNow,
    }));
    const root = document.createElement("div");
    await mount(root, ["en-US"]);
    const tds = [...root.querySelectorAll('[data-testid="connections"] tbody td')];
    const cells = tds.map((c) => c.firstChild?.textContent);
    expect(cells[2]).toBe("2 minutes ago");
    expect(tds[2].querySelector(".visually-hidden")?.textContent).toMatch(/^ \(.+\)$/);
    expect(cells[3]).toMatch(/^in 4\d minutes$/);
  });

  it("updates from the shell's event, without polling", async () => {
    let list: Connection[] = [];
    const calls = shell(() => ({ orgs: [sandboxOrg], connections: list, warning: null, now: Math.floor(Date.now() / 1000) , sandbox_now: Math.floor(Date.now() / 1000) }));
    const root = document.createElement("div");
    await mount(root, ["en-US"]);
    expect(root.querySelector('[data-testid="empty-state"]')).not.toBeNull();
    const overviewCalls = calls.filter((c) => c === "overview").length;
    list = [connection()];
    await emit("connections-changed", { kind: "connections_changed" });
    await new Promise((r) => setTimeout(r, 0));
    expect(root.querySelector('[data-testid="connections"] tbody th')?.textContent).toBe("Production");
    expect(calls.filter((c) => c === "overview").length).toBe(overviewCalls + 1);
  });

  it("renders in Japanese for a Japanese locale", async () => {
    shell(() => ({ orgs: [sandboxOrg], connections: [connection()], warning: null, now: Math.floor(Date.now() / 1000) , sandbox_now: Math.floor(Date.now() / 1000) }));
    const root = document.createElement("div");
    await mount(root, ["ja-JP"]);
    expect(root.querySelector("h1")?.textContent).toBe("接続");
    expect(root.querySelector('[data-testid="status"]')?.textContent).toBe("有効");
    expect(document.documentElement.lang).toBe("ja");
  });

  it("still renders when the shell cannot be reached", async () => {
    mockIPC(() => {
      throw new Error("ipc down");
    });
    const root = document.createElement("div");
    await mount(root, ["en-US"]);
    expect(root.querySelector('[data-testid="empty-state"]')).not.toBeNull();
    expect(root.querySelector("footer")?.textContent).toBe("");
  });

  it("never interprets text as markup", () => {
    const el = h("p", {}, "<img src=x onerror=alert(1)>");
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toBe("<img src=x onerror=alert(1)>");
  });
});
