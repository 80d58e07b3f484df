import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { catalogs } from "./i18n";
import { mount } from "./main";
import { parseMargin } from "./settings-page";
import { parseScopes, redirectUrlFor } from "./org-settings";
import type { Org, Capability } from "./ipc";

const en = catalogs.en;
const tick = () => new Promise((r) => setTimeout(r, 0));
const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};
/** Mounts the window on the mocked shell and opens Settings. */
async function openSettings(): Promise<HTMLElement> {
  const root = document.createElement("div");
  document.body.append(root);
  await mount(root, ["en-US"]);
  (root.querySelector('[data-testid="open-settings"]') as HTMLElement).click();
  await settle();
  return root;
}

const sandboxOrg: Org = {
  id: "sandbox", name: "Sandbox", client_id: "sandbox-public", confidential: false, sandbox: true,
  required: ["manage_users"] as Capability[], extra_scopes: [], auth_base: "", api_base: "", redirect: { kind: "deep_link" },
};
afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

describe("settings", () => {
  it("the margin is a whole number of minutes from 1 to 50", () => {
    expect(parseMargin("10")).toBe(10);
    expect(parseMargin(" 1 ")).toBe(1);
    for (const bad of ["0", "51", "2.5", "", "ten"]) expect(parseMargin(bad)).toBeNull();
  });

  it("a Test's result arriving while Settings is open leaves the form being typed in alone, and shows on return", async () => {
    const now = Math.floor(Date.now() / 1000);
    const c1 = {
      id: "c1", org_id: "sandbox", nickname: "Production", granted_scopes: [], api_url: "http://127.0.0.1:1", status: "active", status_reason: null,
      identity: { user_id: "u1", email: "owner@contoso.example", display_name: "Olivia Owner", account_id: "acct_contoso", account_number: 1, role_name: "Owner", user_type: 2 },
      created_at: now - 100, access_expires_at: now + 3000, last_success_at: now - 120, last_failure_at: null, next_attempt_at: null, consecutive_failures: 0,
    };
    let answerTest: (r: unknown) => void = () => {};
    mockIPC(
      (cmd) => {
        if (cmd === "overview") return { orgs: [sandboxOrg], connections: [c1], warning: null, now, sandbox_now: now };
        if (cmd === "org_settings") return { org: sandboxOrg, client_secret_saved: false, redirect_url: "zoom-connections://oauth/callback" };
        if (cmd === "get_settings") return { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null, syslog_alerts: true, webhook: null };
        if (cmd === "test_connection") return new Promise((resolve) => (answerTest = resolve));
        return undefined;
      },
      { shouldMockEvents: true },
    );
    const root = document.createElement("div");
    document.body.append(root);
    await mount(root, ["en-US"]);
    (root.querySelector('[data-action="test"][data-id="c1"]') as HTMLElement).click();
    await settle();
    (root.querySelector('[data-testid="open-settings"]') as HTMLElement).click();
    await settle();
    const margin = root.querySelector('[data-testid="margin"]') as HTMLInputElement;
    margin.value = "25";
    answerTest({ probe: "users_me", summary: "signed in as owner@contoso.example (Owner)", users: null, email: "owner@contoso.example", role: "Owner" });
    await settle();
    expect(root.querySelector('[data-testid="margin"]')).toBe(margin);
    expect(margin.value).toBe("25");
    // Back with an unsaved change asks first: Keep editing stays, Discard leaves.
    (root.querySelector('[data-testid="back"]') as HTMLElement).click();
    await settle();
    const unsaved = () => document.querySelector('[data-testid="unsaved-dialog"]') as HTMLDialogElement | null;
    expect(unsaved()?.textContent).toContain(en.unsavedExplain);
    expect(document.activeElement?.getAttribute("data-testid")).toBe("unsaved-stay");
    (unsaved()!.querySelector('[data-testid="unsaved-stay"]') as HTMLElement).click();
    expect(root.querySelector('[data-testid="margin"]')).toBe(margin);
    (root.querySelector('[data-testid="back"]') as HTMLElement).click();
    (unsaved()!.querySelector('[data-testid="unsaved-discard"]') as HTMLElement).click();
    await settle();
    expect(root.querySelector('[data-testid="notice"]')?.textContent).toContain("owner@contoso.example");
    expect(root.querySelector('[data-testid="notice"]')?.textContent).not.toBe(`Production: ${en.testing}`);
  });

  it("saves what the form says, switches the language at once, and refuses a bad margin inline", async () => {
    let current = { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null as string | null, syslog_alerts: true, webhook: null };
    const saves: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "overview") return { orgs: [sandboxOrg], connections: [], warning: null, now: Math.floor(Date.now() / 1000), sandbox_now: Math.floor(Date.now() / 1000) };
        if (cmd === "org_settings") return { org: sandboxOrg, client_secret_saved: false, redirect_url: "zoom-connections://oauth/callback" };
        if (cmd === "get_settings") return current;
        if (cmd === "save_settings") {
          const s = (args as { settings: typeof current }).settings;
          saves.push(s);
          current = s;
          return s;
        }
        return undefined;
      },
      { shouldMockEvents: true },
    );
    const root = await openSettings();
    const margin = root.querySelector('[data-testid="margin"]') as HTMLInputElement;
    expect(margin.value).toBe("10");
    expect(document.activeElement).toBe(margin);
    expect(root.querySelector("label[for=margin]")?.textContent).toBe(en.marginLabel);

    margin.value = "99";
    (root.querySelector('[data-testid="save-settings"]') as HTMLElement).click();
    await tick();
    expect(root.querySelector('[data-testid="margin-error"]')?.textContent).toBe(en.marginInvalid);
    expect(saves).toEqual([]);

    margin.value = "15";
    (root.querySelector('[data-testid="launch-at-login"]') as HTMLInputElement).checked = true;
    (root.querySelector('[data-testid="language"]') as HTMLSelectElement).value = "ja";
    (root.querySelector('[data-testid="syslog-alerts"]') as HTMLInputElement).checked = false;
    (root.querySelector('[data-testid="save-settings"]') as HTMLElement).click();
    await tick();
    await tick();
    expect(saves).toEqual([{ refresh_margin_secs: 900, notifications: true, launch_at_login: true, language: "ja", syslog_alerts: false, webhook: null, hide_sandbox: false }]);
    // One Save for General and Alerts: the syslog switch is under Alerts, with the notifications.
    const alerts = root.querySelector('[data-testid="settings-alerts"]')!;
    expect(alerts.querySelector('[data-testid="syslog-alerts"]')).not.toBeNull();
    expect(alerts.querySelector('[data-testid="notifications"]')).not.toBeNull();
    expect(root.querySelectorAll('button[type="submit"], [data-testid="save-org"], [data-testid="save-webhook"]').length).toBe(0);
    expect(root.querySelector("h1")?.textContent).toBe("設定");
    (root.querySelector('[data-testid="back"]') as HTMLElement).click();
    await settle();
    expect(document.querySelector('[data-testid="unsaved-dialog"]')).toBeNull();
    expect(root.querySelector("h1")?.textContent).toBe("接続");
  });

  it("the webhook is write-only: saved to the engine, never shown back, removable, and testable", async () => {
    let current = { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null, syslog_alerts: true, webhook: null as null | { host: string; kind: string } };
    const hooks: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "overview") return { orgs: [sandboxOrg], connections: [], warning: null, now: 0, sandbox_now: 0 };
        if (cmd === "org_settings") return { org: sandboxOrg, client_secret_saved: false, redirect_url: "zoom-connections://oauth/callback" };
        if (cmd === "get_settings") return current;
        if (cmd === "set_alert_webhook") {
          const url = (args as { url: string | null }).url;
          hooks.push(url);
          if (url?.startsWith("http://")) throw { code: "invalid_settings", message: "This webhook URL cannot be used: it must start with https://." };
          current = { ...current, webhook: url ? { host: new URL(url).host, kind: "slack" } : null };
          return current;
        }
        if (cmd === "send_test_alert") return { webhook_status: 200, syslog: false };
        return undefined;
      },
      { shouldMockEvents: true },
    );
    const root = await openSettings();
    const q = (id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLInputElement;
    expect(q("webhook-current").textContent).toBe(en.webhookNone);
    expect(q("remove-webhook").hidden).toBe(true);
    q("webhook-url").value = "http://alerts.example.com/x";
    q("save-settings").click();
    await settle();
    expect(q("settings-status").textContent).toBe(en.errorInvalidSettings);
    const secretUrl = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
    q("webhook-url").value = secretUrl;
    q("save-settings").click();
    await settle();
    expect(q("alerts-status").textContent).toBe(en.webhookSaved);
    expect(hooks).toEqual(["http://alerts.example.com/x", secretUrl]);
    expect(q("webhook-url").value).toBe("");
    expect(q("webhook-current").textContent).toBe("Alerts go to hooks.slack.com (Slack).");
    expect(root.innerHTML).not.toContain("XXXXSECRET");
    q("test-alert").click();
    await settle();
    expect(q("alerts-status").textContent).toBe(`${en.testAlertSent} The webhook answered HTTP 200. ${en.testAlertNoSyslog}`);
    q("remove-webhook").click();
    await settle();
    expect(hooks[2]).toBeNull();
    expect(q("webhook-current").textContent).toBe(en.webhookNone);
  });

  it("the redirect URL to register follows the mode; scopes are split and deduplicated", () => {
    expect(redirectUrlFor("deep_link", "")).toBe("zoom-connections://oauth/callback");
    expect(redirectUrlFor("loopback", "x")).toBe("http://127.0.0.1/oauth/callback");
    expect(redirectUrlFor("relay", " https://relay.example.org/zc/ ")).toBe("https://relay.example.org/zc/");
    expect(parseScopes("user:write:admin, scim2  user:write:admin")).toEqual(["user:write:admin", "scim2"]);
  });

  it("adds an org: the secret is write-only, the redirect URL follows the mode, and the engine's refusal is shown", async () => {
    const orgs: Org[] = [sandboxOrg];
    const saved: unknown[] = [];
    const opened: unknown[] = [];
    let secretSaved = false;
    mockIPC(
      (cmd, args) => {
        const a = args as Record<string, unknown>;
        if (cmd === "overview") return { orgs, connections: [], warning: null, now: Math.floor(Date.now() / 1000), sandbox_now: Math.floor(Date.now() / 1000) };
        if (cmd === "get_settings") return { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null, syslog_alerts: true, webhook: null };
        if (cmd === "org_settings") {
          const org = orgs.find((o) => o.id === a.orgId)!;
          return { org, client_secret_saved: org.id !== "sandbox" && secretSaved, redirect_url: redirectUrlFor(org.redirect.kind, org.redirect.kind === "relay" ? org.redirect.url : "") };
        }
        if (cmd === "save_org") {
          const org = a.org as Org;
          saved.push({ org, clientSecret: a.clientSecret });
          if (org.redirect.kind === "relay" && !org.redirect.url.startsWith("https://")) {
            throw { code: "invalid_settings", message: "The relay page must be an https URL." };
          }
          if (a.clientSecret) secretSaved = true;
          orgs.push(org);
          return org;
        }
        if (cmd === "open_zoom_added_apps") {
          opened.push(a.orgId);
          return "https://marketplace.zoom.us/user/installed";
        }
        return undefined;
      },
      { shouldMockEvents: true },
    );
    const root = await openSettings();
    // The sandbox org: fixed app, a note, and the sandbox banner.
    expect(root.querySelector('[data-testid="sandbox-org-note"]')).not.toBeNull();
    expect(root.querySelector('[data-testid="sandbox-banner"]')).not.toBeNull();
    expect((root.querySelector('[data-testid="client-id"]') as HTMLInputElement).disabled).toBe(true);

    const picker = root.querySelector('[data-testid="settings-org-picker"]') as HTMLSelectElement;
    picker.value = "__add__";
    picker.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    const form = (id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLInputElement;
    expect(form("client-id").disabled).toBe(false);
    expect(form("client-secret").type).toBe("password");
    expect(form("client-secret").value).toBe("");
    // A new org signs in through the loopback redirect, which every Zoom app accepts.
    expect(form("redirect-url").textContent).toBe("http://127.0.0.1/oauth/callback");
    // The guide: the app type, the granular scopes to add, the redirect URL to register.
    const guide = root.querySelector('[data-testid="setup-guide"]') as HTMLElement;
    expect(guide.textContent).toContain("Admin-managed");
    expect(form("guide-scopes").textContent).toContain("user:update:user:admin");
    expect(form("guide-redirect").textContent).toBe("http://127.0.0.1/oauth/callback");
    // No uninstall help and no check for an org that does not exist yet.
    expect(root.querySelector('[data-testid="uninstall-help"]')).toBeNull();
    expect(root.querySelector('[data-testid="check-settings"]')).toBeNull();

    form("org-name").value = "Contoso";
    form("client-id").value = "  abc123  ";
    form("client-secret").value = "s3cret-value";
    (root.querySelector('[data-testid="app-type"]') as HTMLSelectElement).value = "confidential";
    const mode = root.querySelector('[data-testid="redirect-mode"]') as HTMLSelectElement;
    mode.value = "relay";
    mode.dispatchEvent(new Event("change"));
    expect((root.querySelector('[data-testid="relay-block"]') as HTMLElement).hidden).toBe(false);
    form("relay-url").value = "http://insecure.example/";
    form("relay-url").dispatchEvent(new Event("input"));
    expect(form("redirect-url").textContent).toBe("http://insecure.example/");
    form("save-settings").click();
    await settle();
    expect(form("org-status").textContent).toContain(en.errorInvalidSettings);
    expect(form("org-status").textContent).toContain("https");

    form("relay-url").value = "https://relay.contoso.example/zc/";
    form("scopes").value = "meeting:read:list_meetings  meeting:read:list_meetings";
    form("cap-scim").click();
    form("save-settings").click();
    await settle();
    const last = saved[saved.length - 1] as { org: Org; clientSecret: string };
    expect(last.org).toMatchObject({
      name: "Contoso", client_id: "abc123", confidential: true, sandbox: false,
      redirect: { kind: "relay", url: "https://relay.contoso.example/zc/" },
      required: ["manage_users", "scim"], extra_scopes: ["meeting:read:list_meetings"], auth_base: "https://zoom.us", api_base: "https://api.zoom.us",
    });
    expect(last.clientSecret).toBe("s3cret-value");
    // After saving, the form shows the saved org: the secret is only "saved", never shown.
    expect(form("client-secret").value).toBe("");
    expect(form("client-secret").placeholder).toBe(en.secretSavedPlaceholder);
    expect(root.innerHTML).not.toContain("s3cret-value");
    expect(form("redirect-url").textContent).toBe("https://relay.contoso.example/zc/");

    form("open-added-apps").click();
    await settle();
    expect(opened).toEqual([last.org.id]);
    expect(form("uninstall-status").textContent).toContain("https://marketplace.zoom.us/user/installed");
  });
});
