import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, describe, expect, it } from "vitest";
import { catalogs, fill } from "./i18n";
import type { Plan, ZoomUser } from "./ipc";
import { mount } from "./main";
import { connection, sandboxOrg } from "./test-fixtures";
import { filterUsers } from "./users-page";
import { changeText } from "./users-bulk";

const en = catalogs.en;
const tick = () => new Promise((r) => setTimeout(r, 0));
afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

const org = sandboxOrg;
const conn = connection("c1", "Production", { email: "admin@contoso.example", display_name: "A", role_name: "Admin" });

function user(i: number, over: Partial<ZoomUser> = {}): ZoomUser {
  const n = String(i).padStart(5, "0");
  return {
    id: `u${n}`,
    email: `user${n}@contoso.example`,
    first_name: "Aiko",
    last_name: `Sato ${i}`,
    display_name: `Aiko Sato ${i}`,
    type: 2,
    role_id: "2",
    role_name: "Member",
    status: i % 50 === 0 ? "inactive" : "active",
    dept: "Sales",
    job_title: "",
    timezone: "UTC",
    language: "en-US",
    pmi: null,
    verified: true,
    created_at: "2024-01-15T09:00:00Z",
    last_login_time: null,
    group_ids: i === 1 ? ["g1"] : [],
    ...over,
  };
}

const many = Array.from({ length: 10_000 }, (_, i) => user(i + 1));

function shell(users: ZoomUser[], answers: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const calls: [string, Record<string, unknown>][] = [];
  mockIPC(
    (cmd, args) => {
      calls.push([cmd, (args ?? {}) as Record<string, unknown>]);
      if (answers[cmd]) return answers[cmd]((args ?? {}) as Record<string, unknown>);
      if (cmd === "overview") return { orgs: [org], connections: [conn], warning: null, now: Math.floor(Date.now() / 1000), sandbox_now: Math.floor(Date.now() / 1000) };
      if (cmd === "get_settings") return { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null, syslog_alerts: true, webhook: null };
      if (cmd === "list_users") return users;
      if (cmd === "list_groups") return [{ id: "g1", name: "Sales team", total_members: 1 }, { id: "g2", name: "IT", total_members: 0 }];
      if (cmd === "bulk_runs") return [];
      const a = (args ?? {}) as Record<string, unknown>;
      if (cmd === "get_user") return users.find((u) => u.id === a.user || u.email === a.user);
      return null;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

async function usersPage(locale = "en-US") {
  const root = document.createElement("div");
  document.body.append(root);
  await mount(root, [locale]);
  (root.querySelector('[data-action="users"]') as HTMLElement).click();
  for (let i = 0; i < 5; i++) await tick();
  return root;
}

const q = (root: Element, sel: string) => root.querySelector(sel) as HTMLElement;

describe("Users view", () => {
  it("words a planned change in the admin's language", () => {
    const ja = catalogs.ja;
    const update = { action: "update" as const, changes: { first_name: null, last_name: null, type: null, dept: "Legal", job_title: "CFO", timezone: null, language: null } };
    expect(changeText(ja, update, "dept: Sales → Legal, job_title:  → CFO")).toBe(`${ja.userFieldDept}: Sales → Legal, ${ja.userFieldJobTitle}:  → CFO`);
    expect(changeText(ja, { action: "deactivate" }, "active → inactive")).toBe(`${ja.usersStatusActive} → ${ja.usersStatusInactive}`);
  });

  it("filters 10,000 users by email, name and status", () => {
    const index = many.map((u) => `${u.email} ${u.display_name}`.toLowerCase());
    expect(filterUsers(many, index, "USER09999@", "all").map((u) => u.email)).toEqual(["user09999@contoso.example"]);
    expect(filterUsers(many, index, "sato 12", "all").length).toBe(1 + 10 + 100);
    expect(filterUsers(many, index, "", "inactive").length).toBe(200);
    expect(filterUsers(many, index, "  ", "all").length).toBe(10_000);
  });

  it("draws only the rows in sight of a 10,000-user account, each with its place in the whole list", async () => {
    shell(many);
    const root = await usersPage();
    expect(q(root, '[data-testid="users-heading"]').textContent).toBe(fill(en.usersHeading, { name: "Production" }));
    expect(document.activeElement).toBe(q(root, '[data-testid="users-heading"]'));
    const rows = root.querySelectorAll('[data-testid="users-list"] li');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0].getAttribute("aria-setsize")).toBe("10000");
    expect(q(root, '[data-testid="users-status"]').textContent).toBe(fill(en.usersLoaded, { n: "10000" }));
    const search = q(root, '[data-testid="users-search"]') as HTMLInputElement;
    search.value = "user09999";
    search.dispatchEvent(new Event("input"));
    expect(root.querySelectorAll('[data-testid="users-list"] li').length).toBe(1);
    expect(q(root, '[data-testid="users-status"]').textContent).toBe(fill(en.usersShown, { shown: "1", n: "10000" }));
    search.value = "nobody";
    search.dispatchEvent(new Event("input"));
    expect(q(root, '[data-testid="users-list"]').textContent).toBe(en.usersNone);
  });

  it("moves through the list with the arrow keys and shows the chosen user's details and groups", async () => {
    shell(many);
    const root = await usersPage();
    const first = q(root, '[data-row="0"]');
    first.focus();
    first.dispatchEvent(new KeyboardEvent("keydown", { key: "End", bubbles: true }));
    expect((document.activeElement as HTMLElement).dataset.row).toBe("9999");
    (document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent("keydown", { key: "Home", bubbles: true }));
    expect((document.activeElement as HTMLElement).dataset.row).toBe("0");
    (document.activeElement as HTMLElement).click();
    const details = q(root, '[data-testid="user-details"]');
    expect(details.textContent).toContain("user00001@contoso.example");
    expect(q(root, '[data-testid="user-groups"]').textContent).toContain("Sales team");
  });

  it("deactivates a user, and removes one only after the dialog, disassociating by default", async () => {
    const calls = shell(many.slice(0, 10));
    const root = await usersPage();
    q(root, '[data-row="1"]').click();
    q(root, '[data-testid="user-deactivate"]').click();
    await tick();
    expect(calls.find(([c]) => c === "user_action")?.[1]).toEqual({ connectionId: "c1", email: "user00002@contoso.example", userId: "u00002", action: { action: "deactivate" } });
    q(root, '[data-testid="user-remove"]').click();
    const dialog = q(document.body, '[data-testid="remove-dialog"]');
    expect(document.activeElement).toBe(q(dialog, '[data-testid="remove-cancel"]'));
    expect((q(dialog, '[data-testid="remove-disassociate"]') as HTMLInputElement).checked).toBe(true);
    expect(dialog.textContent).toContain(en.removeDeleteExplain);
    q(dialog, '[data-testid="remove-confirm"]').click();
    await tick();
    expect(calls.filter(([c]) => c === "user_action").pop()?.[1].action).toEqual({ action: "remove", mode: "disassociate" });
  });

  it("says why Zoom refused an action, in the user's language and with Zoom's words", async () => {
    shell(many.slice(0, 3), {
      user_action: () => {
        throw { code: "zoom_error", message: "Deactivating u00001: Zoom answered “Zoom Room and Admin users' status cannot be activated or deactivated.” (HTTP 400, code 200).", reason: null };
      },
    });
    const root = await usersPage();
    q(root, '[data-row="0"]').click();
    q(root, '[data-testid="user-deactivate"]').click();
    await tick();
    await tick();
    expect(q(root, '[data-testid="users-notice"]').textContent).toContain("Admin users' status cannot be activated or deactivated.");
  });

  it("plans a bulk run, runs it on confirmation, and follows its progress to the end", async () => {
    const plan: Plan = {
      action: { action: "deactivate" },
      rows: [
        { key: "user00002@contoso.example", user: user(2), verdict: { verdict: "change", what: "active → inactive" } },
        { key: "user00050@contoso.example", user: user(50), verdict: { verdict: "no_change" } },
        { key: "owner@contoso.example", user: null, verdict: { verdict: "refused", why: "admin" } },
      ],
    };
    const calls = shell(many.slice(0, 60), {
      plan_bulk: () => ({ plan_id: "plan-7", plan }),
      // The run may end before start_bulk answers: its events must not be lost.
      start_bulk: async () => {
        await emit("bulk-progress", { run_id: "run-1", total: 1, done: 1, failed: 0, row: 0, email: "user00002@contoso.example", outcome: { outcome: "done" } });
        return "run-1";
      },
    });
    const root = await usersPage();
    q(root, '[data-testid="bulk-open"]').click();
    const dialog = q(document.body, '[data-testid="bulk-dialog"]');
    (q(dialog, '[data-testid="bulk-users"]') as HTMLTextAreaElement).value = "user00002@contoso.example\nuser00050@contoso.example\nowner@contoso.example";
    q(dialog, '[data-testid="bulk-check"]').click();
    await tick();
    expect(calls.find(([c]) => c === "plan_bulk")?.[1]).toEqual({ connectionId: "c1", action: { action: "deactivate" }, users: "user00002@contoso.example\nuser00050@contoso.example\nowner@contoso.example" });
    expect(q(dialog, '[data-testid="bulk-plan-summary"]').textContent).toContain(fill(en.bulkPlan, { change: "1", same: "1", refused: "1" }));
    expect(q(dialog, '[data-testid="bulk-plan"]').textContent).toContain(en.bulkRefusedAdmin);
    expect(q(dialog, '[data-testid="bulk-plan"]').textContent).toContain(`${en.bulkPlanChange}: ${en.usersStatusActive} → ${en.usersStatusInactive}`);
    expect(document.activeElement).toBe(q(dialog, '[data-testid="bulk-back"]'));
    expect(calls.some(([c]) => c === "start_bulk")).toBe(false);
    q(dialog, '[data-testid="bulk-run"]').click();
    await tick();
    await tick();
    // The plan made in the shell is started by its id, never sent back from the window.
    expect(calls.find(([c]) => c === "start_bulk")?.[1]).toEqual({ connectionId: "c1", planId: "plan-7" });
    await tick();
    expect((q(dialog, '[data-testid="bulk-progress"]') as HTMLProgressElement).value).toBe(1);
    await emit("bulk-ended", { run_id: "run-1", finished: true, cancelled: false, error: null });
    await tick();
    expect(q(dialog, '[data-testid="bulk-progress-text"]').textContent).toBe(fill(en.bulkFinished, { done: "1", total: "1", failed: "0" }));
    expect(document.activeElement).toBe(q(dialog, '[data-testid="bulk-close"]'));
  });

  it("is in Japanese for a Japanese admin", async () => {
    shell(many.slice(0, 3));
    const root = await usersPage("ja-JP");
    expect(q(root, '[data-testid="users-heading"]').textContent).toBe("「Production」のユーザー");
    expect(q(root, '[data-testid="bulk-open"]').textContent).toBe(catalogs.ja.bulkOpen);
  });
});
