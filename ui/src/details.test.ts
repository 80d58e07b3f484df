import { describe, expect, it } from "vitest";
import { renderDetails } from "./details";
import { catalogs, fill } from "./i18n";
import type { Connection, HistoryEvent, Capability } from "./ipc";
import { renderLegend, renderTimeline } from "./timeline";

const en = catalogs.en;
const nowMs = 1_900_000_000_000;
const now = nowMs / 1000;

const conn: Connection = {
  id: "c1",
  org_id: "sandbox",
  nickname: "Production",
  identity: { user_id: "u", email: "owner@contoso.example", display_name: "O", account_id: "a", account_number: 1, role_name: "Owner", user_type: 2 },
  granted_scopes: ["user:write:admin", "scim2"],
  api_url: "",
  status: "retrying",
  status_reason: "Zoom had a server error (HTTP 500) (attempt 1; next in 30 s)",
  created_at: now - 7200,
  access_expires_at: now + 42 * 60,
  last_success_at: now - 600,
  last_failure_at: now - 30,
  next_attempt_at: now + 30,
  consecutive_failures: 1,
};

const history: HistoryEvent[] = [
  { at: now - 30 * 3600, kind: "refreshed" }, // older than 24 h: not shown
  { at: now - 20 * 3600, kind: "authorized" },
  { at: now - 3600, kind: "refreshed" },
  { at: now - 30, kind: "failed", detail: "Zoom had a server error (HTTP 500)", why: { code: "failing", error: "zoom_error", zoom: null, attempt: 1 } },
];

describe("connection details", () => {
  it("shows org, scopes, the expiry countdown and the status reason, never a token", () => {
    const el = renderDetails(en, "en", conn, { id: "sandbox", name: "Sandbox", client_id: "c", confidential: false, sandbox: true, required: ["manage_users"] as Capability[], extra_scopes: [], auth_base: "", api_base: "", redirect: { kind: "deep_link" as const } }, history, nowMs);
    const text = el.textContent ?? "";
    expect(el.querySelector("h2")?.textContent).toBe("Details of Production");
    expect(text).toContain("Sandbox");
    expect(text).toContain("user:write:admin scim2");
    expect(el.querySelector('[data-testid="expiry"]')?.textContent).toBe("in 42 minutes");
    expect(text).toContain("HTTP 500");
    expect(el.querySelector('[data-testid="status"]')?.textContent).toBe("Retrying");
  });

  it("shows the last Test's result, or that none ran, with a Test button", () => {
    const none = renderDetails(en, "en", conn, undefined, [], nowMs);
    expect(none.querySelector('[data-testid="details-test"]')?.textContent).toBe(en.detailsNotTested);
    expect(none.querySelector('[data-testid="details-run-test"]')?.getAttribute("data-action")).toBe("test");
    const passed = renderDetails(en, "en", conn, undefined, [], nowMs, { ok: true, text: () => "SCIM answered: 3 users.", atMs: nowMs });
    expect(passed.querySelector('[data-testid="details-test"]')?.textContent).toBe("Passed: SCIM answered: 3 users.");
    expect(passed.querySelector('[data-testid="details-test"]')?.className).toBe("test-ok");
    const failed = renderDetails(en, "en", conn, undefined, [], nowMs, { ok: false, text: (t) => t.errorNetwork, atMs: nowMs });
    expect(failed.querySelector('[data-testid="details-test"]')?.textContent).toBe(`Failed: ${en.errorNetwork}`);
  });

  it("says when the refresh token may end, within 14 days of 90 days after the sign-in, and why a refused one ended", () => {
    const active: Connection = { ...conn, status: "active", status_reason: null };
    const day = 24 * 3600;
    expect(renderDetails(en, "en", { ...active, granted_at: now - 70 * day }, undefined, [], nowMs).querySelector('[data-testid="refresh-may-end"]')).toBeNull();
    const soon = renderDetails(en, "en", { ...active, granted_at: now - 80 * day }, undefined, [], nowMs);
    expect(soon.querySelector('[data-testid="refresh-may-end"]')?.textContent).toContain("about 90 days after its sign-in");
    const ja = renderDetails(catalogs.ja, "ja", { ...active, granted_at: now - 80 * day }, undefined, [], nowMs);
    expect(ja.querySelector('[data-testid="refresh-may-end"]')?.textContent).toContain("約 90 日");
    const expired = renderDetails(en, "en", { ...conn, status: "needs_reconnect", reason: { code: "refresh_expired", days: 91 } }, undefined, [], nowMs);
    expect(expired.textContent).toContain(fill(en.reasonRefreshExpired, { days: "91" }));
    expect(expired.textContent).toContain("91 days old");
    // Past the date, nothing is announced any more.
    expect(renderDetails(en, "en", { ...active, granted_at: now - 91 * day }, undefined, [], nowMs).querySelector('[data-testid="refresh-may-end"]')).toBeNull();
  });

  it("says expired when the token has run out", () => {
    const el = renderDetails(en, "en", { ...conn, access_expires_at: now - 5 }, undefined, [], nowMs);
    expect(el.textContent).toContain(en.detailsExpired);
  });
});

describe("timeline", () => {
  it("draws the last 24 hours, one titled marker per event, a shape per kind", () => {
    const svg = renderTimeline(en, "en", history, nowMs);
    const marks = [...svg.querySelectorAll("[data-kind]")];
    expect(marks.map((m) => m.getAttribute("data-kind"))).toEqual(["authorized", "refreshed", "failed"]);
    expect(marks.map((m) => m.tagName.toLowerCase())).toEqual(["path", "circle", "path"]);
    expect(marks[0].getAttribute("d")).not.toBe(marks[2].getAttribute("d"));
    expect(marks[2].querySelector("title")?.textContent).toContain("Failed, retried: Zoom had a server error (HTTP 500)");
    // Later events sit further right.
    const xs = marks.map((m) => Number(m.getAttribute("cx") ?? m.getAttribute("d")!.split(" ")[0].slice(1)));
    expect(xs[0]).toBeLessThan(xs[1]);
    expect(xs[1]).toBeLessThan(xs[2]);
    expect(svg.querySelector("svg")?.getAttribute("aria-label")).toBe(en.timelineTitle);
    // The same events as text, newest first, for the keyboard and screen readers.
    const listed = [...svg.querySelectorAll('[data-testid="timeline-events"] li')].map((li) => li.textContent);
    expect(listed.length).toBe(3);
    expect(listed[0]).toMatch(/ — Failed, retried: Zoom had a server error \(HTTP 500\)$/);
    expect(listed[2]).toMatch(/ — Authorized$/);
  });

  it("says why in Japanese from the typed reason, never with the engine's English sentence", () => {
    const ja = catalogs.ja;
    const minted: HistoryEvent = { at: now - 60, kind: "refreshed", detail: "minted" };
    const box = renderTimeline(ja, "ja", [...history, minted], nowMs);
    const failed = box.querySelector('[data-kind="failed"] title')?.textContent ?? "";
    expect(failed).toContain(`${ja.eventFailed}：`);
    expect(failed).toContain(fill(ja.reasonFailing, { what: ja.errorZoomError.split(/[.。]/)[0], attempt: "1" }));
    const texts = [...box.querySelectorAll("title, li")].map((el) => el.textContent ?? "");
    expect(texts.length).toBe(8);
    for (const text of texts) expect(text, text).not.toMatch(/Zoom had|minted|[A-Za-z]{3,} [a-z]{3,}/);
  });

  it("says so when nothing happened in 24 hours, and the legend names every shape", () => {
    expect(renderTimeline(en, "en", [{ at: now - 90000, kind: "refreshed" }], nowMs).textContent).toBe(en.timelineEmpty);
    const legend = renderLegend(catalogs.ja).textContent ?? "";
    for (const word of ["更新", "失敗（再試行）", "再接続が必要", "復旧", "承認"]) expect(legend).toContain(word);
  });
});
