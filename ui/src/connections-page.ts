// The connections page: the orgs (each labelled Sandbox or Zoom, with a count of what needs
// attention, and a view of all of them), a search and a needs-attention filter, the list with
// broken connections first and their reason on a line of its own, or an empty state that says
// what to do next for the org on screen.
import { h } from "./dom";
import { exactTime, relativeTime } from "./format";
import { fill, reasonText, type Catalog, type Language } from "./i18n";
import { renderDetails } from "./details";
import type { Borrowed, Connection, HistoryEvent, Org, Overview } from "./ipc";
import { statusChip } from "./status-chip";

/** The org selector's value for the view of every org. */
export const ALL_ORGS = "__all__";

/** A connection that only the user can fix (the tray counts these). */
export const needsUser = (c: Connection): boolean => c.status === "needs_reconnect" || c.status === "superseded";
/** One a Reconnect fixes. Not a superseded one: its Zoom user has a newer connection, which a
 * sign-in here would supersede in turn; Delete is its way out. */
export const needsReconnect = (c: Connection): boolean => c.status === "needs_reconnect";
/** What the needs-attention filter and the badges count: broken, or failing and retrying. */
export const needsAttention = (c: Connection): boolean => needsUser(c) || c.status === "retrying";

/** Broken first, then retrying, then the rest, each group in the engine's order. */
export function sortForAttention(connections: Connection[]): Connection[] {
  const rank = (c: Connection) => (needsUser(c) ? 0 : c.status === "retrying" ? 1 : 2);
  return connections.map((c, i) => [c, i] as const).sort(([a, i], [b, j]) => rank(a) - rank(b) || i - j).map(([c]) => c);
}

/** The orgs the window shows: the built-in sandbox left out when the user hid it and a Zoom org
 * exists — unless one of its connections needs attention (the tray counts it: so does the list). */
export function visibleOrgs(overview: Overview, hideSandbox: boolean): Org[] {
  const real = overview.orgs.some((o) => !o.sandbox);
  const troubled = (o: Org) => overview.connections.some((c) => c.org_id === o.id && needsAttention(c));
  return overview.orgs.filter((o) => !(o.sandbox && hideSandbox && real && !troubled(o)));
}

export function orgKind(t: Catalog, org: Org): string {
  return org.sandbox ? t.orgKindSandbox : t.orgKindZoom;
}

function timeCell(lang: Language, unix: number | null, nowMs: number, fallback: string, cls = "time"): HTMLElement {
  if (unix === null) return h("td", { class: cls }, fallback);
  // The exact time on hover, and for screen readers in the text itself (a title is mouse-only).
  const exact = exactTime(unix, lang);
  return h("td", { title: exact, class: cls }, relativeTime(unix, nowMs, lang), h("span", { class: "visually-hidden" }, ` (${exact})`));
}

function actionButton(label: string, aria: string, action: string, c: Connection, primary = false): HTMLElement {
  // The name in the accessible label, in the language's word order: "Delete Production",
  // 「Production」を削除 — not three anonymous "Delete"s.
  const attrs: Record<string, string> = { type: "button", "data-action": action, "data-id": c.id, "aria-label": fill(aria, { name: c.nickname }) };
  if (primary) attrs.class = "primary";
  return h("button", attrs, label);
}

interface TableView {
  t: Catalog;
  lang: Language;
  margin: number;
  nowMs: (c: Connection) => number;
  highlight: string | null;
  detailsId: string | null;
  /** The org of each row, when several orgs are on screen. */
  orgOf: ((c: Connection) => Org | undefined) | null;
}

/** A row, and under a row with a reason that reason on a line of its own across the table: a
 * long reason never widens the keepalive columns or pushes the actions out of the window. */
function rows(v: TableView, c: Connection, columns: number): HTMLElement[] {
  const { t, lang } = v;
  const broken = needsUser(c);
  const s2s = c.kind === "server_to_server";
  const now = v.nowMs(c);
  const next = broken || s2s ? null : (c.next_attempt_at ?? c.access_expires_at - v.margin);
  const org = v.orgOf?.(c);
  const reason = c.status === "active" ? null : reasonText(t, c.reason, c.status_reason);
  const reasonId = `reason-${c.id}`;
  const main = h(
    "tr",
    { "data-connection": c.id, class: [c.id === v.highlight ? "highlight" : "", broken ? "broken" : "", reason ? "has-reason" : ""].filter(Boolean).join(" ") },
    h(
      "th",
      { scope: "row", class: "may-wrap" },
      h("button", { type: "button", class: "link", "data-action": "details", "data-id": c.id, "aria-expanded": String(c.id === v.detailsId) }, c.nickname),
      ...(org ? [h("span", { class: `org-badge ${org.sandbox ? "sandbox" : "zoom"}`, "data-testid": "row-org" }, `${org.name} · ${orgKind(t, org)}`)] : []),
    ),
    h("td", { class: "may-wrap" }, ...(s2s ? [t.kindS2sShort] : emailParts(c.identity.email))),
    h("td", reason ? { "aria-describedby": reasonId } : {}, statusChip(t, c)),
    // Last success is in the details too: a narrow window leaves it out here (style.css).
    timeCell(lang, c.last_success_at, now, t.never, "time optional"),
    timeCell(lang, next, now, s2s && !broken ? t.onDemand : t.needsYou),
    h(
      "td",
      {},
      h(
        "div",
        { class: "actions" },
        // Reconnect is the row's primary button only when the connection needs it; a superseded
        // one's is Delete (its Zoom user has a newer connection).
        s2s
          ? actionButton(t.actionRotateSecret, t.ariaRotateSecret, "rotate-secret", c, broken)
          : actionButton(t.actionReconnect, t.ariaReconnect, "reconnect", c, needsReconnect(c)),
        actionButton(t.actionUsers, t.ariaUsers, "users", c),
        actionButton(t.actionTest, t.ariaTest, "test", c),
        actionButton(t.actionDelete, t.ariaDelete, "delete", c, c.status === "superseded"),
      ),
    ),
  );
  if (!reason) return [main];
  // Without a typed reason (a list written by an older version) it is the engine's English.
  const attrs: Record<string, string> = { id: reasonId, class: "status-reason", "data-testid": "status-reason" };
  if (!c.reason) attrs.lang = "en";
  return [main, h("tr", { class: `reason-row${broken ? " broken" : ""}`, "data-reason-of": c.id }, h("td", { colspan: String(columns) }, h("span", attrs, reason)))];
}

/** Set once its options are in it: an option marked selected before it joins its select is not
 * the select's value in every DOM. */
function orgSelect(select: HTMLSelectElement, value: string): HTMLSelectElement {
  select.value = value;
  return select;
}

/** An email that may break after its "@" when the column is narrow, rather than mid-word. */
function emailParts(email: string): (Node | string)[] {
  const at = email.indexOf("@");
  return at < 0 ? [email] : [email.slice(0, at + 1), h("wbr"), email.slice(at + 1)];
}

function table(v: TableView, connections: Connection[]): HTMLElement {
  const { t } = v;
  // The account ID, role and user type are in each connection's details: the row keeps what
  // says whether it works and what to do.
  const head = [t.colNickname, t.colEmail, t.colStatus, t.colLastSuccess, t.colNextRefresh, t.colActions];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "connections", "data-testid": "connections" },
      h("thead", {}, h("tr", {}, ...head.map((label) => h("th", { scope: "col", ...(label === t.colLastSuccess ? { class: "optional" } : {}) }, label)))),
      h("tbody", {}, ...sortForAttention(connections).flatMap((c) => rows(v, c, head.length))),
    ),
  );
}

/** A message on the page, made by one action: worded when drawn, so that it follows the language. */
export type Notice = (t: Catalog, lang: Language) => string;

export interface PageState {
  overview: Overview;
  marginSecs: number;
  /** The org on screen, or `ALL_ORGS`; `orgPicked` when the user chose it (else it follows the
   * orgs: all of them when there are several). */
  orgId: string;
  orgPicked: boolean;
  hideSandbox: boolean;
  /** The row to highlight (a connection just created). */
  highlight: string | null;
  /** The result of the last action (a test, a warning); the next action replaces it. */
  notice: Notice | null;
  /** The connection whose details are open, its history, and when a script last borrowed it. */
  detailsId: string | null;
  history: HistoryEvent[];
  borrowed: Borrowed | null;
  /** The last Test of each connection in this session. */
  tests: Record<string, TestOutcome>;
  search: string;
  attentionOnly: boolean;
  /** Test all is running (its button waits). */
  testingAll: boolean;
  /** The connection whose `borrowed` was read (it is read again only when details change). */
  borrowedFor: string | null;
  /** Where scripts reach the broker (read with `borrowed`). */
  socket: string | null;
}

export interface TestOutcome {
  ok: boolean;
  /** Worded when drawn (the language may change after the test). */
  text: Notice;
  atMs: number;
}

/** "Now" for a connection, from the engine's clocks: a sandbox org's may run on the sandbox's
 * time travel; a real org's is the wall clock. */
export function nowMsFor(overview: Overview, orgId: string): number {
  const sandbox = overview.orgs.find((o) => o.id === orgId)?.sandbox ?? false;
  return (sandbox ? overview.sandbox_now : overview.now) * 1000;
}

/** The org a new connection (or Settings) goes to: the one on screen, or in the all-orgs view the
 * first Zoom org, else the sandbox (the dialog lets the user pick another). */
export function orgForNew(state: PageState): string {
  if (state.orgId !== ALL_ORGS) return state.orgId;
  const orgs = visibleOrgs(state.overview, state.hideSandbox);
  return (orgs.find((o) => !o.sandbox) ?? orgs[0])?.id ?? "";
}

function matches(c: Connection, org: Org | undefined, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [c.nickname, c.identity.email, org?.name ?? "", c.s2s?.client_id ?? ""].some((s) => s.toLowerCase().includes(q));
}

/** What the page shows of the state: the orgs, the one on screen (none: all of them), the
 * connections in view and those the search and filter leave. */
function scope(state: PageState) {
  const orgs = visibleOrgs(state.overview, state.hideSandbox);
  const all = state.orgId === ALL_ORGS;
  const org = all ? undefined : orgs.find((o) => o.id === state.orgId);
  const orgById = (id: string) => state.overview.orgs.find((o) => o.id === id);
  const shownOrgIds = new Set(all ? orgs.map((o) => o.id) : [state.orgId]);
  const inView = state.overview.connections.filter((c) => shownOrgIds.has(c.org_id));
  const listed = inView.filter((c) => (!state.attentionOnly || needsAttention(c)) && matches(c, orgById(c.org_id), state.search));
  return { orgs, all, org, orgById, inView, listed };
}

/** The listing alone: the table, the empty state or "no match". It is drawn again by itself as
 * the user types a search (main.ts), so the search field is never replaced under an input
 * method's composition. */
export function renderListing(t: Catalog, lang: Language, state: PageState): HTMLElement {
  const { orgs, all, org, orgById, inView, listed } = scope(state);
  const view: TableView = {
    t,
    lang,
    margin: state.marginSecs,
    nowMs: (c) => nowMsFor(state.overview, c.org_id),
    highlight: state.highlight,
    detailsId: state.detailsId,
    orgOf: all ? (c) => orgById(c.org_id) : null,
  };
  return h(
    "div",
    { id: "listing" },
    inView.length === 0
      ? emptyState(t, all ? orgs.find((o) => !o.sandbox) : org, orgs)
      : listed.length === 0
        ? h("p", { class: "empty-filter", "data-testid": "no-match" }, t.emptyNoMatch)
        : table(view, listed),
  );
}

/// The connections page: the list of connections, or the empty state that says what to do.
export function renderConnectionsPage(t: Catalog, lang: Language, state?: PageState): HTMLElement {
  if (!state) {
    return h(
      "main",
      { class: "page", "aria-labelledby": "connections-heading" },
      h("header", { class: "page-header" }, h("h1", { id: "connections-heading", tabindex: "-1", "data-testid": "connections-heading" }, t.connectionsHeading)),
      h("section", { class: "empty-state", "data-testid": "empty-state" }, h("h2", {}, t.emptyTitle), h("p", {}, t.emptyWhat)),
    );
  }
  const { orgs, all, org, inView } = scope(state);
  const attentionIn = (orgId: string) => state.overview.connections.filter((c) => c.org_id === orgId && needsAttention(c)).length;
  const elsewhere = all ? 0 : orgs.filter((o) => o.id !== state.orgId).reduce((n, o) => n + attentionIn(o.id), 0);
  const broken = inView.filter(needsReconnect);

  const orgOption = (value: string, label: string) => {
    const opt = h("option", { value }, label) as HTMLOptionElement;
    opt.selected = value === state.orgId;
    return opt;
  };
  const orgLabel = (o: Org) => {
    const n = attentionIn(o.id);
    const base = fill(t.orgOption, { name: o.name, kind: orgKind(t, o) });
    return n ? `${base} — ${fill(t.orgAttention, { n: String(n) })}` : base;
  };
  // The org is always on screen: a selector (with all orgs) when there are several, its name
  // and kind otherwise.
  const orgBar = h(
    "div",
    { class: "org-bar" },
    h("label", { for: "org" }, t.orgLabel),
    orgs.length > 1
      ? orgSelect(h("select", { id: "org", "data-testid": "org" }, orgOption(ALL_ORGS, t.allOrgs), ...orgs.map((o) => orgOption(o.id, orgLabel(o)))) as HTMLSelectElement, state.orgId)
      : h("output", { id: "org", "data-testid": "org", class: "org-name" }, org ? orgLabel(org) : ""),
    ...(elsewhere
      ? [
          h(
            "p",
            { class: "attention-elsewhere", role: "status", "data-testid": "attention-elsewhere" },
            fill(t.otherOrgsAttention, { n: String(elsewhere) }),
            " ",
            h("button", { type: "button", class: "link", "data-action": "all-orgs", "data-testid": "show-all-orgs" }, t.showAllOrgs),
          ),
        ]
      : []),
  );
  const search = h("input", {
    type: "search",
    id: "search",
    "data-testid": "search",
    "aria-label": t.searchLabel,
    placeholder: t.searchPlaceholder,
    autocomplete: "off",
    spellcheck: "false",
  }) as HTMLInputElement;
  search.value = state.search;
  const attention = h("input", { type: "checkbox", id: "attention-only", "data-testid": "attention-only" }) as HTMLInputElement;
  attention.checked = state.attentionOnly;
  const tools =
    inView.length === 0
      ? []
      : [
          h(
            "div",
            { class: "list-tools" },
            search,
            h("div", { class: "field-check" }, attention, h("label", { for: "attention-only" }, t.filterAttention)),
            h("button", { type: "button", "data-action": "test-all", "data-testid": "test-all", ...(state.testingAll ? { disabled: "" } : {}) }, t.testAll),
            ...(broken.length
              ? [h("button", { type: "button", "data-action": "reconnect-all", "data-testid": "reconnect-all" }, fill(t.reconnectAll, { n: String(broken.length) }))]
              : []),
            h("button", { type: "button", "data-action": "run-now", "data-testid": "run-now" }, t.runKeepaliveNow),
          ),
        ];
  const body = renderListing(t, lang, state);
  return h(
    "main",
    { class: "page", "aria-labelledby": "connections-heading" },
    // Sandbox words only for the sandbox org: a Zoom org on screen is not "sandbox mode".
    ...(org?.sandbox ? [h("p", { class: "banner", role: "note", "data-testid": "sandbox-banner" }, t.sandboxBanner)] : []),
    h(
      "header",
      { class: "page-header" },
      // Focus lands here after Back to connections and after a Delete (not on <body>).
      h("h1", { id: "connections-heading", tabindex: "-1", "data-testid": "connections-heading" }, t.connectionsHeading),
      h(
        "div",
        { class: "toolbar" },
        h("button", { type: "button", "data-action": "settings", "data-testid": "open-settings" }, t.settings),
        h("button", { type: "button", class: "primary", "data-action": "new", "data-testid": "new-connection" }, t.newConnection),
      ),
    ),
    orgBar,
    ...tools,
    h("p", { class: "notice", role: "status", "data-testid": "notice" }, state.notice?.(t, lang) ?? ""),
    body,
    ...details(t, lang, state),
  );
}

/** What to do next, for the org on screen: the sandbox says who to sign in as and offers a try
 * and the way to a real Zoom account; a Zoom org offers New Connection and its settings. */
function emptyState(t: Catalog, org: Org | undefined, orgs: Org[]): HTMLElement {
  const sandboxOrg = orgs.find((o) => o.sandbox);
  const realOrg = org && !org.sandbox ? org : undefined;
  const buttons = realOrg
    ? [
        h("button", { type: "button", class: "primary", "data-action": "new", "data-testid": "empty-new" }, t.newConnection),
        h("button", { type: "button", "data-action": "org-settings", "data-org": realOrg.id, "data-testid": "empty-check" }, t.emptyCheckSettings),
      ]
    : [
        ...(sandboxOrg ? [h("button", { type: "button", class: "primary", "data-action": "try-sandbox", "data-org": sandboxOrg.id, "data-testid": "try-sandbox" }, t.emptyTrySandbox)] : []),
        h("button", { type: "button", "data-action": "connect-zoom", "data-testid": "connect-zoom" }, t.emptyConnectZoom),
      ];
  return h(
    "section",
    { class: "empty-state", "data-testid": "empty-state" },
    h("h2", {}, t.emptyTitle),
    h("p", {}, t.emptyWhat),
    h("p", { class: "hint", "data-testid": "empty-org" }, realOrg ? fill(t.emptyRealOrg, { org: realOrg.name }) : t.emptySandboxOrg),
    h("div", { class: "empty-actions" }, ...buttons),
    ...(realOrg ? [] : [h("p", { class: "hint" }, t.emptyConnectZoomHint)]),
  );
}

export function renderFooter(t: Catalog, version: string | null): HTMLElement {
  return h("footer", { class: "footer" }, version ? `${t.versionLabel} ${version}` : "");
}

function details(t: Catalog, lang: Language, state: PageState): HTMLElement[] {
  const conn = state.overview.connections.find((c) => c.id === state.detailsId);
  if (!conn) return [];
  const org = state.overview.orgs.find((o) => o.id === conn.org_id);
  return [renderDetails(t, lang, conn, org, state.history, nowMsFor(state.overview, conn.org_id), state.tests[conn.id], state.borrowed, state.socket)];
}
