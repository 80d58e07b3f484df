import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { catalogs } from "./i18n";
import type { Org, SetupCheck, SetupProblem } from "./ipc";
import { describeProblem, renderCheckSettings, renderSetupSteps, scopesToAdd } from "./setup-guide";

afterEach(() => clearMocks());

const org: Org = {
  id: "org-2", name: "Contoso", client_id: "abc", confidential: false, sandbox: false,
  required: ["manage_users", "scim"], extra_scopes: ["meeting:read:list_meetings"],
  auth_base: "https://zoom.us", api_base: "https://api.zoom.us", redirect: { kind: "loopback" },
};

const problems: SetupProblem[] = [
  { code: "unknown_client_id" },
  { code: "redirect_not_registered", redirect_url: "http://127.0.0.1/oauth/callback" },
  { code: "user_managed_app", scope: "user:read:user:admin" },
  { code: "scope_not_on_app" },
  { code: "no_client_secret" },
  { code: "unreachable", fault: "untrusted_certificate", detail: "Zoom could not be reached: the server's TLS certificate is not trusted (…)" },
  { code: "unrecognized", status: 502, excerpt: "Bad Gateway" },
];

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("setup guide", () => {
  it("lists the granular scopes of what the org requires, and the classic ones for older apps", () => {
    expect(scopesToAdd(org)).toEqual([
      "user:read:user:admin", "user:read:list_users:admin", "user:write:user:admin", "user:update:user:admin",
      "user:update:status:admin", "user:delete:user:admin", "scim2:admin", "meeting:read:list_meetings",
    ]);
    const guide = renderSetupSteps(catalogs.en, org, "http://127.0.0.1/oauth/callback");
    expect(guide.textContent).toContain("user:write:admin scim2");
    expect(guide.querySelectorAll("ol > li").length).toBe(5);
  });

  it("says every problem Zoom reports as a sentence and a fix, in both languages", () => {
    for (const lang of ["en", "ja"] as const) {
      const t = catalogs[lang];
      for (const p of problems) {
        const { what, fix } = describeProblem(t, p);
        expect(what.length).toBeGreaterThan(10);
        expect(fix.length).toBeGreaterThan(10);
        expect(what + fix).not.toMatch(/\{\w+\}/);
        if (lang === "ja") expect(what).toMatch(/[\u3040-\u30ff]/);
        // Zoom's own names (a scope, a URL) may stay; no English sentence from the engine does.
        if (lang === "ja") expect(what + fix).not.toMatch(/could not|not trusted|answered/);
      }
    }
    expect(describeProblem(catalogs.ja, problems[5]).what).toBe("Zoom にアクセスできません（Zoom の TLS 証明書がこのコンピューターで信頼されていません）。");
    expect(describeProblem(catalogs.en, problems[5]).what).toBe("Zoom could not be reached: its TLS certificate is not trusted on this computer.");
    expect(describeProblem(catalogs.en, problems[1]).fix).toContain("http://127.0.0.1/oauth/callback");
    expect(describeProblem(catalogs.ja, problems[2]).what).toContain("user:read:user:admin");
  });

  it("Check settings shows Zoom's refusal; without one, lists what only the sign-in confirms and offers it", async () => {
    let answer: SetupCheck = { problem: problems[1], redirect_url: "http://127.0.0.1/oauth/callback", at_sign_in: [] };
    mockIPC((cmd) => (cmd === "check_org_settings" ? answer : undefined));
    let connected = 0;
    const el = renderCheckSettings(catalogs.en, "org-2", () => connected++);
    document.body.replaceChildren(el);
    (el.querySelector('[data-testid="check-settings"]') as HTMLButtonElement).click();
    await settle();
    await settle();
    expect(el.querySelector('[data-testid="check-problem"]')?.getAttribute("data-code")).toBe("redirect_not_registered");
    expect(el.querySelector('[data-testid="check-fix"]')?.textContent).toContain("OAuth Allow List");
    answer = { problem: null, redirect_url: "http://127.0.0.1/oauth/callback", at_sign_in: ["redirect_url", "app_type", "scopes", "role", "scim_account"] };
    (el.querySelector('[data-testid="check-settings"]') as HTMLButtonElement).click();
    await settle();
    await settle();
    expect(el.querySelector('[data-testid="check-ok"]')?.textContent).toBe(catalogs.en.setupNoErrorYet);
    expect(el.textContent).not.toContain("accepts");
    const parts = [...el.querySelectorAll('[data-testid="check-at-sign-in"] li')];
    expect(parts.map((li) => li.getAttribute("data-part"))).toEqual(["redirect_url", "app_type", "scopes", "role", "scim_account"]);
    expect(parts[0].textContent).toBe(catalogs.en.setupPartRedirectUrl);
    (el.querySelector('[data-testid="check-connect"]') as HTMLButtonElement).click();
    expect(connected).toBe(1);
  });
});
