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

  it("lists connections with their account, role, type, status in words and keepalive times", async () => {
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
    const rows = [...root.querySelectorAll('[data-testid="connections"] tbody tr')];
    expect(rows.map((r) => r.querySelector("th")?.textContent)).toEqual(["Production", "Preview", "Staging"]);
    // What a cell shows (the exact time beside it is for screen readers).
    const shown = (c: Element) => [...c.childNodes].filter((n) => !(n instanceof HTMLElement && n.classList.contains("visually-hidden"))).map((n) => n.textContent).join("");
    const cells = (r: Element) => [...r.querySelectorAll("td")].map(shown);
    expect(cells(rows[0]).slice(0, 5)).toEqual(["owner@contoso.example", "acct_contoso", "Owner", "Licensed", "Active"]);
    // A narrow column breaks the email after its "@", not mid-word.
    expect(rows[0].querySelector("td")?.innerHTML).toBe("owner@<wbr>contoso.example");
    expect(cells(rows[0])[5]).toBe("2 minutes ago");
    expect(cells(rows[0])[6]).toMatch(/^in 4\d minutes$/);
    const chip = rows[1].querySelector('[data-testid="status"]');
    expect(chip?.textContent).toBe("Needs reconnect");
    // The reason is written out (the engine's English only for a list without a typed reason),
    // and the chip is no tab stop of its own.
    expect(rows[1].querySelector('[data-testid="status-reason"]')?.textContent).toBe("deauthorized or uninstalled in Zoom");
    expect(chip?.hasAttribute("tabindex")).toBe(false);
    expect(cells(rows[1])[3]).toBe("On-Prem");
    expect(cells(rows[1])[6]).toBe(en.needsYou);
    // A typed reason is worded by the window, in its language.
    expect(rows[2].querySelector('[data-testid="status-reason"]')?.textContent).toBe("Zoom could not be reached (attempt 2)");
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
    expect(cells[5]).toBe("2 minutes ago");
    expect(tds[5].querySelector(".visually-hidden")?.textContent).toMatch(/^ \(.+\)$/);
    expect(cells[6]).toMatch(/^in 4\d minutes$/);
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
