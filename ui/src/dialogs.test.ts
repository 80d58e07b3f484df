import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, describe, expect, it } from "vitest";
import { catalogs, fill } from "./i18n";
import type { Connection } from "./ipc";
import { mount } from "./main";
import { nicknameProblem } from "./nickname";
import { connection, sandboxOrg } from "./test-fixtures";

const en = catalogs.en;
const tick = () => new Promise((r) => setTimeout(r, 0));
afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

const org = sandboxOrg;
const conn = connection;

/** A shell with a list and a log of the commands and arguments it received. */
function shell(list: Connection[], answers: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const calls: [string, Record<string, unknown>][] = [];
  mockIPC(
    (cmd, args) => {
      calls.push([cmd, (args ?? {}) as Record<string, unknown>]);
      if (answers[cmd]) return answers[cmd]((args ?? {}) as Record<string, unknown>);
      if (cmd === "overview") return { orgs: [org], connections: list, warning: null, now: Math.floor(Date.now() / 1000), sandbox_now: Math.floor(Date.now() / 1000) };
      if (cmd === "get_settings") return { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null, syslog_alerts: true, webhook: null };
      return undefined;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

async function page() {
  const root = document.createElement("div");
  document.body.append(root);
  await mount(root, ["en-US"]);
  return root;
}

function click(el: Element | null) {
  (el as HTMLElement).click();
}

describe("nickname rules", () => {
  it("trimmed, 1–64 characters, unique in the org (case-insensitive)", () => {
    const existing = [conn("c1", "Production")];
    expect(nicknameProblem(en, "   ", "sandbox", existing)).toBe(en.nicknameRequired);
    expect(nicknameProblem(en, "x".repeat(65), "sandbox", existing)).toBe(en.nicknameTooLong);
    expect(nicknameProblem(en, " production ", "sandbox", existing)).toBe(en.nicknameTaken);
    expect(nicknameProblem(en, "production", "other-org", existing)).toBeNull();
    expect(nicknameProblem(en, "x".repeat(64), "sandbox", existing)).toBeNull();
  });
});

describe("New Connection", () => {
  it("shows errors inline and sends nothing until the nickname is valid", async () => {
    const calls = shell([conn("c1", "Production")]);
    const root = await page();
    click(root.querySelector('[data-testid="new-connection"]'));
    const dialog = document.querySelector('[data-testid="new-connection-dialog"]') as HTMLDialogElement;
    expect(dialog.open).toBe(true);
    const input = dialog.querySelector('[data-testid="nickname"]') as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    input.value = "production";
    click(dialog.querySelector('[data-testid="create"]'));
    await tick();
    expect(dialog.querySelector('[data-testid="nickname-error"]')?.textContent).toBe(en.nicknameTaken);
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(calls.some(([c]) => c === "begin_connect")).toBe(false);
  });

  it("waits for the browser, then closes and highlights the new row", async () => {
    const list: Connection[] = [];
    const calls = shell(list, {
      begin_connect: () => ({ flow_id: "f1", authorize_url: "http://127.0.0.1:1/oauth/authorize?x", redirect_uri: "r", expires_at: Math.floor(Date.now() / 1000) + 600 }),
    });
    const root = await page();
    click(root.querySelector('[data-testid="new-connection"]'));
    const input = document.querySelector('[data-testid="nickname"]') as HTMLInputElement;
    input.value = "  Production  ";
    click(document.querySelector('[data-testid="create"]'));
    await tick();
    expect(calls.find(([c]) => c === "begin_connect")?.[1]).toEqual({ orgId: "sandbox", nickname: "Production", reconnectOf: null });
    const waiting = document.querySelector('[data-testid="waiting-dialog"]') as HTMLDialogElement;
    expect(waiting.querySelector("h2")?.textContent).toBe(en.waitingTitle);
    expect((waiting.querySelector('[data-testid="authorize-url"]') as HTMLInputElement).value).toBe("http://127.0.0.1:1/oauth/authorize?x");
    // The time left before the sign-in expires (from the flow's deadline), the org, who to sign
    // in as in the sandbox, and the sign-in page opened again on demand.
    expect(waiting.querySelector('[data-testid="time-left"]')?.textContent).toMatch(/^Time left to sign in: (10:00|9:5\d)$/);
    expect(waiting.querySelector('[data-testid="waiting-org"]')?.textContent).toBe("Org: Sandbox (Sandbox)");
    expect(waiting.querySelector('[data-testid="sandbox-who"]')?.textContent).toContain("owner@contoso.example");
    click(waiting.querySelector('[data-testid="open-again"]'));
    await tick();
    expect(calls.find(([c]) => c === "reopen_sign_in")?.[1]).toEqual({ flowId: "f1" });
    // What Zoom's page refusing the sign-in means (nothing then comes back), and Cancel at hand.
    expect(waiting.querySelector('[data-testid="waiting-if-refused"]')?.textContent).toContain("An account admin is required to install this type of app");
    expect(waiting.querySelector('[data-testid="cancel-flow"]')).not.toBeNull();
    list.push(conn("c9", "Production"));
    await emit("flow-ended", { kind: "flow_ended", flow_id: "f1", connection_id: "c9", superseded: null, error: null });
    await tick();
    await tick();
    expect(document.querySelector('[data-testid="waiting-dialog"]')).toBeNull();
    expect(root.querySelector('tr[data-connection="c9"]')?.className).toBe("highlight");
  });

  it("Reconnect says which Zoom user to sign in as", async () => {
    shell([conn("c1", "Production")], {
      begin_connect: () => ({ flow_id: "f3", authorize_url: "u", redirect_uri: "r", expires_at: Math.floor(Date.now() / 1000) + 600 }),
    });
    const root = await page();
    click(root.querySelector('[data-action="reconnect"][data-id="c1"]'));
    await tick();
    const as = document.querySelector('[data-testid="sign-in-as"]')?.textContent ?? "";
    expect(as).toContain(conn("c1", "Production").identity.email);
    expect(as).toContain("“Production”");
  });

  it("shows the engine's error for a failed flow in the user's words", async () => {
    shell([], { begin_connect: () => ({ flow_id: "f2", authorize_url: "u", redirect_uri: "r", expires_at: 0 }) });
    const root = await page();
    click(root.querySelector('[data-testid="new-connection"]'));
    (document.querySelector('[data-testid="nickname"]') as HTMLInputElement).value = "Prod";
    click(document.querySelector('[data-testid="create"]'));
    await tick();
    await emit("flow-ended", { kind: "flow_ended", flow_id: "f2", connection_id: null, superseded: null, error: { code: "role_not_allowed", message: "m" } });
    await tick();
    expect(document.querySelector('[data-testid="flow-error"]')?.textContent).toBe(en.errorRoleNotAllowed);
  });
});

describe("Delete Connection", () => {
  it("names the connection, and Confirm deauthorizes it", async () => {
    const calls = shell([conn("c1", "Production")]);
    const root = await page();
    click(root.querySelector('[data-action="delete"][data-id="c1"]'));
    const dialog = document.querySelector('[data-testid="delete-dialog"]') as HTMLDialogElement;
    // Names the org and the Zoom user (a nickname is unique only in its org), warns about
    // scripts, and the button says what it does.
    expect(dialog.querySelector('[data-testid="delete-who"]')?.textContent).toBe(fill(en.deleteWho, { name: "Production", org: "Sandbox", email: conn("c1", "Production").identity.email }));
    expect(dialog.textContent).toContain("deauthorizes it in Zoom");
    expect(dialog.querySelector('[data-testid="delete-scripts"]')?.textContent).toBe(en.deleteScripts);
    expect(dialog.querySelector('[data-testid="confirm-delete"]')?.textContent).toBe("Delete connection");
    await tick();
    expect(dialog.querySelector('[data-testid="delete-borrowed"]')?.textContent).toBe(en.deleteNeverBorrowed);
    click(dialog.querySelector('[data-testid="confirm-delete"]'));
    await tick();
    expect(calls.find(([c]) => c === "delete_connection")?.[1]).toEqual({ id: "c1" });
    expect(document.querySelector('[data-testid="delete-dialog"]')).toBeNull();
  });

  it("offers to delete locally when Zoom cannot be reached, saying the grant remains", async () => {
    const calls = shell([conn("c1", "Production")], {
      delete_connection: () => {
        throw { code: "network", message: "unreachable" };
      },
      delete_connection_locally: () => "removed locally; the grant remains in Zoom",
    });
    const root = await page();
    click(root.querySelector('[data-action="delete"][data-id="c1"]'));
    click(document.querySelector('[data-testid="confirm-delete"]'));
    await tick();
    const second = document.querySelector('[data-testid="delete-locally-dialog"]') as HTMLDialogElement;
    expect(second.textContent).toContain("remains in Zoom");
    // Why, and Try again first (focused): the grant ends only when Zoom confirms.
    expect(second.querySelector('[data-testid="delete-why"]')?.textContent).toBe(fill(en.deleteWhy, { why: en.errorNetwork }));
    expect(document.activeElement?.getAttribute("data-testid")).toBe("delete-try-again");
    click(second.querySelector('[data-testid="confirm-delete-locally"]'));
    await tick();
    expect(calls.some(([c]) => c === "delete_connection_locally")).toBe(true);
    // Said in the user's language by the window, not with the engine's English sentence.
    expect(root.querySelector('[data-testid="notice"]')?.textContent).toBe(fill(en.deletedLocally, { name: "Production" }));
  });

  it("offers it too when something else than Zoom answered, but not when this computer is the problem", async () => {
    for (const [code, offered] of [
      ["zoom_bad_response", true],
      ["zoom_error", true],
      ["network", true],
      ["keychain_unavailable", false],
      ["invalid_settings", false],
      ["shutting_down", false],
    ] as const) {
      shell([conn("c1", "Production")], {
        delete_connection: () => {
          throw { code, message: "m", reason: null };
        },
      });
      const root = await page();
      click(root.querySelector('[data-action="delete"][data-id="c1"]'));
      click(document.querySelector('[data-testid="confirm-delete"]'));
      await tick();
      expect(document.querySelector('[data-testid="delete-locally-dialog"]') !== null, code).toBe(offered);
      if (code === "keychain_unavailable") {
        expect(document.querySelector('[data-testid="delete-dialog"] [role="alert"]')?.textContent).toBe(en.errorKeychainUnavailable);
      }
      clearMocks();
      document.body.replaceChildren();
    }
  });

  it("focuses Cancel, so that one Enter never deletes; after a delete the focus is on the list's heading", async () => {
    shell([conn("c1", "Production")], { delete_connection: () => null });
    const root = await page();
    click(root.querySelector('[data-action="delete"][data-id="c1"]'));
    expect(document.activeElement?.getAttribute("data-testid")).toBe("cancel-delete");
    expect(document.querySelector('[data-testid="delete-dialog"]')?.getAttribute("tabindex")).toBe("-1");
    click(document.querySelector('[data-testid="confirm-delete"]'));
    for (let i = 0; i < 5; i++) await tick();
    expect(document.activeElement?.getAttribute("data-testid")).toBe("connections-heading");
  });

  it("Cancel changes nothing", async () => {
    const calls = shell([conn("c1", "Production")]);
    const root = await page();
    click(root.querySelector('[data-action="delete"][data-id="c1"]'));
    click(document.querySelector('[data-testid="cancel-delete"]'));
    expect(document.querySelector('[data-testid="delete-dialog"]')).toBeNull();
    expect(calls.some(([c]) => c === "delete_connection")).toBe(false);
  });
});

describe("Run keepalive now", () => {
  it("asks the shell to run it", async () => {
    const calls = shell([conn("c1", "Production")]);
    const root = await page();
    click(root.querySelector('[data-testid="run-now"]'));
    await tick();
    expect(calls.some(([c]) => c === "run_keepalive_now")).toBe(true);
  });
});

describe("a Server-to-Server connection", () => {
  it("asks for its three credentials, words Zoom's refusal by its reason, and sends the secret only to the shell", async () => {
    let created = 0;
    const list: Connection[] = [];
    const calls = shell(list, {
      create_s2s_connection: (a) => {
        if ((a.form as { account_id: string }).account_id === "taken") throw { code: "account_in_other_org", message: "English text", reason: null };
        if (a.clientSecret !== "right") throw { code: "zoom_invalid_client", message: "English text", reason: "client_refused" };
        created += 1;
        const c: Connection = { ...conn("c9", "Provisioning"), kind: "server_to_server", s2s: { client_id: "s2s", account_id: "acct" } };
        list.push(c);
        return c;
      },
    });
    const root = await page();
    click(root.querySelector('[data-testid="new-connection"]'));
    const q = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement;
    expect(q("s2s-fields").hidden).toBe(true);
    q("nickname").value = "Provisioning";
    click(q("kind-s2s"));
    q("kind-s2s").dispatchEvent(new Event("change"));
    expect(q("s2s-fields").hidden).toBe(false);
    click(q("create"));
    await tick();
    // Each empty field says so under itself.
    expect(q("s2s-account-id-error").textContent).toBe(en.s2sFieldsRequired);
    expect(q("s2s-client-secret-error").textContent).toBe(en.s2sFieldsRequired);
    expect(document.activeElement).toBe(q("s2s-account-id"));
    q("s2s-account-id").value = " acct ";
    q("s2s-client-id").value = "s2s";
    q("s2s-client-secret").value = "wrong";
    click(q("create"));
    for (let i = 0; i < 5; i++) await tick();
    // Zoom's refusal on the field it is about.
    expect(q("s2s-client-secret-error").textContent).toBe(en.s2sClientRefused);
    expect(q("s2s-client-secret").getAttribute("aria-invalid")).toBe("true");
    expect(q("s2s-account-id-error").textContent).toBe("");
    // An account connected in another org: said under the account ID.
    q("s2s-account-id").value = "taken";
    click(q("create"));
    for (let i = 0; i < 5; i++) await tick();
    expect(q("s2s-account-id-error").textContent).toBe(en.errorAccountInOtherOrg);
    expect(q("s2s-client-secret-error").textContent).toBe("");
    q("s2s-account-id").value = " acct ";
    expect(created).toBe(0);
    q("s2s-client-secret").value = "right";
    click(q("create"));
    for (let i = 0; i < 5; i++) await tick();
    expect(created).toBe(1);
    expect(document.querySelector('[data-testid="new-connection-dialog"][open]')).toBeNull();
    const sends = calls.filter(([c]) => c === "create_s2s_connection");
    const sent = sends[sends.length - 1][1];
    expect(sent.form).toEqual({ org_id: "sandbox", nickname: "Provisioning", account_id: "acct", client_id: "s2s" });
    expect(document.body.innerHTML).not.toContain("right\"");
  });
});
