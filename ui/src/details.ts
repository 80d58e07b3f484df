// The details of one connection: org, who it is signed in as (account, role, user type), granted
// scopes, the access token's expiry (a countdown, never the token), status and reason, the last
// Test's result, when a script last borrowed it, how to use it from a script (a line to copy),
// Rename, and the 24-hour timeline.
import { h } from "./dom";
import { exactTime, relativeTime, userTypeName } from "./format";
import { fill, reasonText, roleName, type Catalog, type Language } from "./i18n";
import type { TestOutcome } from "./connections-page";
import type { Borrowed, Connection, HistoryEvent, Org } from "./ipc";
import { statusChip } from "./status-chip";
import { renderLegend, renderTimeline } from "./timeline";

export function renderDetails(
  t: Catalog,
  lang: Language,
  conn: Connection,
  org: Org | undefined,
  history: HistoryEvent[],
  nowMs: number,
  test?: TestOutcome,
  borrowed: Borrowed | null = null,
  socket: string | null = null,
): HTMLElement {
  const expiresIn = conn.access_expires_at - nowMs / 1000;
  const mayEnd = refreshMayEndAt(conn, nowMs);
  const item = (label: string, ...value: (Node | string)[]) => [h("dt", {}, label), h("dd", {}, ...value)];
  const when = (unix: number | null) => (unix === null ? t.never : h("span", { title: exactTime(unix, lang) }, relativeTime(unix, nowMs, lang)));
  return h(
    "section",
    { class: "details", "aria-labelledby": "details-heading", "data-testid": "details" },
    h("h2", { id: "details-heading" }, fill(t.showDetails, { name: conn.nickname })),
    h(
      "dl",
      {},
      ...item(t.colStatus, statusChip(t, conn)),
      ...(mayEnd !== null ? [h("dd", { class: "hint", "data-testid": "refresh-may-end" }, fill(t.refreshMayEnd, { date: exactTime(mayEnd, lang) }))] : []),
      ...(conn.reason || conn.status_reason
        ? item(t.detailsReason, h("span", conn.reason ? {} : ({ lang: "en" } as Record<string, string>), reasonText(t, conn.reason, conn.status_reason) ?? ""))
        : []),
      ...item(t.detailsOrg, org?.name ?? conn.org_id),
      ...item(t.detailsAccount, h("span", { class: "mono" }, conn.identity.account_id)),
      ...(conn.s2s ? [] : [...item(t.detailsRole, roleName(t, conn.identity.role_name)), ...item(t.detailsUserType, userTypeName(t, conn.identity.user_type))]),
      ...(conn.s2s
        ? [
            ...item(t.detailsClientId, h("span", { class: "mono" }, conn.s2s.client_id)),
            ...item(t.detailsMinted, when(conn.minted_at ?? null)),
            ...item(t.detailsServed, h("span", { "data-testid": "served" }, fill(t.detailsServedCount, { count: String(conn.served ?? 0) }))),
          ]
        : []),
      ...item(t.detailsScopes, conn.granted_scopes.join(" ") || "—"),
      ...item(
        t.detailsExpiry,
        expiresIn > 0 ? h("span", { title: exactTime(conn.access_expires_at, lang), "data-testid": "expiry" }, relativeTime(conn.access_expires_at, nowMs, lang)) : t.detailsExpired,
      ),
      ...item(t.detailsLastSuccess, when(conn.last_success_at)),
      ...item(t.detailsLastFailure, when(conn.last_failure_at)),
      ...item(
        t.detailsTest,
        h(
          "span",
          { "data-testid": "details-test", class: test ? (test.ok ? "test-ok" : "test-failed") : "hint" },
          test ? fill(t.testOutcome, { result: test.ok ? t.testPassed : t.testFailed, text: test.text(t, lang) }) : t.detailsNotTested,
        ),
        " ",
        h("button", { type: "button", "data-action": "test", "data-id": conn.id, "data-testid": "details-run-test" }, t.actionTest),
      ),
      ...item(
        t.detailsBorrowed,
        h(
          "span",
          { "data-testid": "borrowed" },
          borrowed ? fill(t.detailsBorrowedValue, { when: relativeTime(borrowed.at, Date.now(), lang), program: borrowed.program ?? t.unknownProgram }) : t.detailsNeverBorrowed,
        ),
      ),
    ),
    h("div", { class: "actions details-actions" }, h("button", { type: "button", "data-action": "rename", "data-id": conn.id, "data-testid": "rename" }, t.actionRename)),
    h("h3", {}, t.detailsUse),
    h("p", { class: "hint" }, t.detailsUseHelp),
    ...scriptLines(conn, socket).map((line, i) => copyLine(t, line, `use-line-${i}`)),
    h("h3", {}, t.timelineTitle),
    renderTimeline(t, lang, history, nowMs),
    renderLegend(t),
  );
}

/** About 90 days: the shorter of the refresh-token lifetimes Zoom's pages give (docs/zoom.md, Tokens). */
const SHORT_REFRESH_LIFETIME = 90 * 24 * 3600;
/** Said this long before, as `status` says it (engine: summary.rs, `refresh_may_end_at`). */
const REFRESH_END_WARNING = 14 * 24 * 3600;

/** When a user connection's refresh token may end if Zoom counts 90 days from its sign-in, once that is under 14 days away. */
export function refreshMayEndAt(conn: Connection, nowMs: number): number | null {
  if (conn.kind === "server_to_server" || conn.status !== "active") return null;
  const at = (conn.granted_at ?? conn.created_at) + SHORT_REFRESH_LIFETIME;
  // Only before the date: a connection still refreshing after it is under the 15-year reading.
  const left = at - nowMs / 1000;
  return left > 0 && left < REFRESH_END_WARNING ? at : null;
}

/** A shell word: the nickname may hold spaces or quotes. */
const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** How a script uses this connection (docs/cli.md, exec and The broker): by id, which a Rename
 * does not change; the proxy's line only where the broker's socket is (the shell says where). */
export function scriptLines(conn: Connection, socket: string | null): string[] {
  const probe = conn.kind === "server_to_server" ? "v2/users?page_size=1" : "v2/users/me";
  return [
    `zoom-connections exec ${shellQuote(conn.id)} -- ./your-script`,
    ...(socket ? [`curl --unix-socket ${shellQuote(socket)} 'http://localhost/zoom/${conn.id}/${probe}'`] : []),
  ];
}

function copyLine(t: Catalog, line: string, testId: string): HTMLElement {
  const out = h("output", { class: "url", "data-testid": testId }, line);
  const copy = h("button", { type: "button", "data-testid": `${testId}-copy` }, t.copy) as HTMLButtonElement;
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(line).then(() => (copy.textContent = t.copied), () => undefined);
  });
  return h("div", { class: "url-row" }, out, copy);
}
