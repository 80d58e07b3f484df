import { h } from "./dom";
import { exactTime, relativeTime, userTypeName } from "./format";
import { fill, type Catalog, type Language } from "./i18n";
import { renderDetails } from "./details";
import type { Connection, HistoryEvent, Overview } from "./ipc";
import { statusChip } from "./status-chip";

function timeCell(lang: Language, unix: number | null, nowMs: number, fallback: string): HTMLElement {
  if (unix === null) return h("td", {}, fallback);
  // The exact time on hover, and for screen readers in the text itself (a title is mouse-only).
  const exact = exactTime(unix, lang);
  return h("td", { title: exact }, relativeTime(unix, nowMs, lang), h("span", { class: "visually-hidden" }, ` (${exact})`));
}

function actionButton(label: string, aria: string, action: string, c: Connection): HTMLElement {
  // The name in the accessible label, in the language's word order: "Delete Production",
  // 「Production」を削除 — not three anonymous "Delete"s.
  return h("button", { type: "button", "data-action": action, "data-id": c.id, "aria-label": fill(aria, { name: c.nickname }) }, label);
}

function row(t: Catalog, lang: Language, c: Connection, margin: number, nowMs: number, highlight: string | null, detailsId: string | null): HTMLElement {
  const needsUser = c.status === "needs_reconnect" || c.status === "superseded";
  const s2s = c.kind === "server_to_server";
  const next = needsUser || s2s ? null : (c.next_attempt_at ?? c.access_expires_at - margin);
  return h(
    "tr",
    { "data-connection": c.id, class: c.id === highlight ? "highlight" : "" },
    h(
      "th",
      { scope: "row", class: "may-wrap" },
      h("button", { type: "button", class: "link", "data-action": "details", "data-id": c.id, "aria-expanded": String(c.id === detailsId) }, c.nickname),
    ),
    h("td", { class: "may-wrap" }, ...(s2s ? [t.kindS2sShort] : emailParts(c.identity.email))),
    h("td", { class: "mono may-wrap" }, c.identity.account_id),
    h("td", {}, c.identity.role_name),
    h("td", {}, s2s ? "—" : userTypeName(t, c.identity.user_type)),
    h("td", {}, statusChip(t, c)),
    timeCell(lang, c.last_success_at, nowMs, t.never),
    timeCell(lang, next, nowMs, s2s && !needsUser ? t.onDemand : t.needsYou),
    h(
      "td",
      {},
      h(
        "div",
        { class: "actions" },
        actionButton(t.actionUsers, t.ariaUsers, "users", c),
        actionButton(t.actionTest, t.ariaTest, "test", c),
        s2s ? actionButton(t.actionRotateSecret, t.ariaRotateSecret, "rotate-secret", c) : actionButton(t.actionReconnect, t.ariaReconnect, "reconnect", c),
        actionButton(t.actionDelete, t.ariaDelete, "delete", c),
      ),
    ),
  );
}

/** An email that may break after its "@" when the column is narrow, rather than mid-word. */
function emailParts(email: string): (Node | string)[] {
  const at = email.indexOf("@");
  return at < 0 ? [email] : [email.slice(0, at + 1), h("wbr"), email.slice(at + 1)];
}

function table(t: Catalog, lang: Language, connections: Connection[], margin: number, nowMs: number, highlight: string | null, detailsId: string | null): HTMLElement {
  const head = [t.colNickname, t.colEmail, t.colAccount, t.colRole, t.colUserType, t.colStatus, t.colLastKeepalive, t.colNextKeepalive, t.colActions];
  // A narrow window scrolls the table sideways rather than cutting off its actions.
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "connections", "data-testid": "connections" },
      h("thead", {}, h("tr", {}, ...head.map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, ...connections.map((c) => row(t, lang, c, margin, nowMs, highlight, detailsId))),
    ),
  );
}

export interface PageState {
  overview: Overview;
  marginSecs: number;
  orgId: string;
  /** The row to highlight (a connection just created). */
  highlight: string | null;
  /** A line for the user (a test result, a warning). */
  notice: string;
  /** The connection whose details are open, and its history. */
  detailsId: string | null;
  history: HistoryEvent[];
  /** The last Test of each connection in this session: what it said, and when (ms). */
  tests: Record<string, TestOutcome>;
}

export interface TestOutcome {
  ok: boolean;
  text: string;
  atMs: number;
}

/** "Now" for the shown org's connections, from the engine's clocks: a sandbox org's may run on
 * the sandbox's time travel; a real org's is the wall clock. */
export function pageNowMs(state: PageState): number {
  const sandbox = state.overview.orgs.find((o) => o.id === state.orgId)?.sandbox ?? false;
  return (sandbox ? state.overview.sandbox_now : state.overview.now) * 1000;
}

/// The connections page: the list of connections, or the empty state that explains what a
/// connection is.
export function renderConnectionsPage(t: Catalog, lang: Language, state?: PageState): HTMLElement {
  const orgs = state?.overview.orgs ?? [];
  const connections = (state?.overview.connections ?? []).filter((c) => c.org_id === state?.orgId);
  const sandbox = orgs.find((o) => o.id === state?.orgId)?.sandbox ?? false;
  const switcher =
    orgs.length > 1
      ? [
          h("label", { for: "org" }, t.orgLabel),
          h("select", { id: "org", "data-testid": "org" }, ...orgs.map((o) => {
            const opt = h("option", { value: o.id }, o.name) as HTMLOptionElement;
            opt.selected = o.id === state?.orgId;
            return opt;
          })),
        ]
      : [];
  const body =
    connections.length === 0 || !state
      ? h(
          "section",
          { class: "empty-state", "data-testid": "empty-state" },
          h("h2", {}, t.emptyTitle),
          h("p", {}, t.emptyWhat),
          h("p", { class: "hint" }, t.emptySandbox),
        )
      : table(t, lang, connections, state.marginSecs, pageNowMs(state), state.highlight, state.detailsId);
  return h(
    "main",
    { class: "page", "aria-labelledby": "connections-heading" },
    ...(sandbox ? [h("p", { class: "banner", role: "note", "data-testid": "sandbox-banner" }, t.sandboxBanner)] : []),
    h(
      "header",
      { class: "page-header" },
      // Focus lands here after Back to connections and after a Delete (not on <body>).
      h("h1", { id: "connections-heading", tabindex: "-1", "data-testid": "connections-heading" }, t.connectionsHeading),
      h(
        "div",
        { class: "toolbar" },
        ...switcher,
        ...(state
          ? [
              h("button", { type: "button", "data-action": "run-now", "data-testid": "run-now" }, t.runKeepaliveNow),
              h("button", { type: "button", "data-action": "settings", "data-testid": "open-settings" }, t.settings),
              h("button", { type: "button", class: "primary", "data-action": "new", "data-testid": "new-connection" }, t.newConnection),
            ]
          : []),
      ),
    ),
    h("p", { class: "notice", role: "status", "data-testid": "notice" }, state?.notice ?? ""),
    body,
    ...details(t, lang, state),
  );
}

export function renderFooter(t: Catalog, version: string | null): HTMLElement {
  return h("footer", { class: "footer" }, version ? `${t.versionLabel} ${version}` : "");
}

function details(t: Catalog, lang: Language, state?: PageState): HTMLElement[] {
  const conn = state?.overview.connections.find((c) => c.id === state.detailsId);
  if (!state || !conn) return [];
  const org = state.overview.orgs.find((o) => o.id === conn.org_id);
  return [renderDetails(t, lang, conn, org, state.history, pageNowMs(state), state.tests[conn.id])];
}
