import { getVersion } from "@tauri-apps/api/app";
import { ALL_ORGS, needsUser, orgForNew, renderConnectionsPage, renderFooter, renderListing, visibleOrgs, type Notice, type PageState } from "./connections-page";
import { openDeleteDialog, openRenameDialog } from "./dialogs";
import { catalogs, errorMessage, fill, pickLanguage, testText, warningText, type Catalog, type Language } from "./i18n";
import { asEngineError, ipc, type AppSettings, type Connection, type OrgSettings, type RememberedView } from "./ipc";
import { blankOrg, redirectUrlFor } from "./org-settings";
import {
  openNewConnectionDialog,
  openRotateSecretDialog,
  openSupersededDialog,
  reconnect,
  resumeWaiting,
  setEngineClock,
  showFlowEnded,
  WAITING_CHANGED,
  waitingFlowId,
  type FlowOutcome,
} from "./new-connection";
import { renderSettingsView, type SettingsView } from "./settings-view";
import { openUsersView, type UsersView } from "./users-page";

/** Loads the list and keeps it current from the shell's events (no polling). */
export async function mount(root: HTMLElement, locales: readonly string[] = navigator.languages ?? [navigator.language]): Promise<void> {
  let lang: Language = pickLanguage(null, locales);
  let state: PageState | undefined;
  let version: string | null = null;
  let settings: AppSettings | undefined;
  let view: "connections" | "settings" | "users" = "connections";
  // The Users view keeps its own state (search, scroll, the user shown): built once per visit.
  let usersView: UsersView | undefined;
  let usersOf: { conn: Connection; lang: Language } | undefined;
  // The org shown in Settings: its saved settings, or a blank one being added.
  let orgView: OrgSettings | undefined;
  let settingsView: SettingsView | undefined;
  /** What the Settings page's last Save said, for the page drawn again after it. */
  let settingsSaid: string | undefined;
  const t = () => catalogs[lang];

  // Closing the window destroys this page (src-tauri/src/window.rs): the shell keeps where the
  // user is, told on each move, and hands it back when the window is opened again.
  let remembered = "";
  // Nothing is told before the view told last has been put back (restore).
  let restoring = true;
  const remember = () => {
    if (restoring) return;
    // The org only when the user picked it: otherwise the next page shows what the orgs call for.
    const orgId = view === "settings" ? orgView?.org.id : state?.orgId === ALL_ORGS || !state?.orgPicked ? null : state.orgId;
    const memo: RememberedView = {
      page: view,
      org_id: orgId || null,
      connection_id: view === "users" ? (usersOf?.conn.id ?? null) : (state?.detailsId ?? null),
      flow_id: waitingFlowId(),
    };
    const key = JSON.stringify(memo);
    if (key === remembered) return;
    remembered = key;
    void ipc.rememberView(memo).catch(() => undefined);
  };
  document.addEventListener(WAITING_CHANGED, remember);
  /** Back where the user was before the window was closed (nothing on the first window). */
  const restore = async () => {
    const recalled = await ipc.recallView().catch(() => null);
    restoring = false;
    if (!recalled || !state) return remember();
    const { view: was, flow, ended } = recalled;
    if (was.org_id && state.overview.orgs.some((o) => o.id === was.org_id)) {
      state.orgId = was.org_id;
      state.orgPicked = true;
    }
    const conn = state.overview.connections.find((c) => c.id === was.connection_id);
    if (was.page === "users" && conn) showUsers(conn);
    else if (was.page === "settings") {
      view = "settings";
      await openOrg(was.org_id);
    } else if (conn) {
      state.detailsId = conn.id;
      await load();
    }
    if (flow) resumeWaiting(t(), flow, created, { org: state.overview.orgs.find((o) => o.id === state?.orgId) });
    else if (ended) showFlowEnded(ended, created, notice);
    remember();
  };

  const render = () => {
    remember();
    document.title = t().appTitle;
    document.documentElement.lang = lang;
    if (view === "users" && usersView && usersOf) {
      // A language changed in the meantime (Settings in another window, the OS) redraws it.
      if (usersOf.lang !== lang) {
        usersView.dispose();
        showUsers(usersOf.conn);
        return;
      }
      if (!root.contains(usersView.element)) root.replaceChildren(usersView.element, renderFooter(t(), version));
      return;
    }
    // Keep keyboard focus across a re-render: the same control, found again by its data.
    const focused = document.activeElement as HTMLElement | null;
    const key = focused?.dataset?.action
      ? `[data-action="${focused.dataset.action}"][data-id="${focused.dataset.id ?? ""}"]`
      : focused?.dataset?.testid
        ? `[data-testid="${focused.dataset.testid}"]`
        : null;
    const caret = focused instanceof HTMLInputElement && focused.type === "search" ? focused.selectionStart : null;
    settingsView = undefined;
    let page: HTMLElement;
    if (view === "settings" && settings) {
      settingsView = renderSettingsView(t(), {
        settings,
        overview: state?.overview,
        orgView,
        said: settingsSaid,
        savedSettings: (next, said, added) => {
          const before = settings;
          settings = next;
          lang = pickLanguage(next.language, locales);
          if (state) state.hideSandbox = next.hide_sandbox ?? false;
          // Drawn again only when what is drawn changed (the language; an org just added gets
          // its guide's last steps): otherwise what the user is looking at stays as it is.
          if (before?.language !== next.language || before?.hide_sandbox !== next.hide_sandbox || added) {
            settingsSaid = said;
            void openOrg(orgView?.org.id ?? null).then(() => (settingsSaid = undefined));
          }
        },
        remember: (next) => {
          settings = next;
        },
        openOrg: (id) => void openOrg(id).then(() => (root.querySelector("#settings-org-picker") as HTMLElement | null)?.focus()),
        connectFromGuide: (id) => connectFromGuide(id),
        orgRemoved: (org) => {
          if (state) state.notice = (c) => fill(c.orgRemoved, { name: org.name });
          void openOrg(state?.overview.orgs.find((o) => o.id !== org.id)?.id ?? null);
        },
        back: () => goBack(),
      });
      page = settingsView.element;
    } else page = renderConnectionsPage(t(), lang, state);
    root.replaceChildren(page, renderFooter(t(), version));
    if (key) {
      const again = root.querySelector(key) as HTMLElement | null;
      again?.focus();
      if (again instanceof HTMLInputElement && caret !== null) again.setSelectionRange(caret, caret);
    }
  };
  /** Loads an org's settings for the Settings view (or a blank org to add). */
  const openOrg = async (orgId: string | null) => {
    const orgs = state?.overview.orgs ?? [];
    if (orgId === null || orgId === ALL_ORGS) {
      const org = blankOrg(orgs);
      orgView = { org, client_secret_saved: false, redirect_url: redirectUrlFor(org.redirect.kind, "") };
    } else {
      await load();
      orgView = await ipc.orgSettings(orgId).catch(() => undefined);
    }
    render();
  };
  const load = async () => {
    try {
      const [overview, current] = await Promise.all([ipc.overview(), ipc.settings()]);
      settings = current;
      lang = pickLanguage(current.language, locales);
      setEngineClock(overview.now);
      const hideSandbox = current.hide_sandbox ?? false;
      const shown = visibleOrgs(overview, hideSandbox);
      // The org the user picked stays on screen while it is shown; otherwise the default follows
      // the orgs (a second org appearing shows all of them).
      const keep = state?.orgPicked && (state.orgId === ALL_ORGS ? shown.length > 1 : shown.some((o) => o.id === state!.orgId));
      // Several orgs: all of them at first, so that nothing broken is out of sight.
      const orgId = keep ? state!.orgId : shown.length > 1 ? ALL_ORGS : (shown[0]?.id ?? "");
      const detailsId = state?.detailsId && overview.connections.some((c) => c.id === state!.detailsId) ? state.detailsId : null;
      const warning = overview.warning;
      state = {
        overview,
        marginSecs: current.refresh_margin_secs,
        orgId,
        orgPicked: keep ? true : false,
        hideSandbox,
        highlight: state?.highlight ?? null,
        notice: state ? state.notice : warning ? (c: Catalog, l: Language) => warningText(c, l, warning) : null,
        detailsId,
        history: detailsId ? await ipc.connectionHistory(detailsId).catch(() => []) : [],
        borrowed: detailsId ? await ipc.lastBorrowed(detailsId).catch(() => null) : null,
        tests: state?.tests ?? {},
        search: state?.search ?? "",
        attentionOnly: state?.attentionOnly ?? false,
      };
    } catch {
      // Without the shell (or before it answers) the page still explains itself.
      state = undefined;
    }
    // The settings form is not redrawn under the user's hands by background events.
    if (view !== "settings") render();
  };
  /** The guide's last step: back to the connections of that org, and New Connection. */
  const connectFromGuide = (orgId: string) => {
    view = "connections";
    if (state) {
      state.orgId = orgId;
      state.orgPicked = true;
    }
    void load().then(() => newConnection(orgId));
  };
  const newConnection = (orgId: string) => {
    if (!state) return;
    const orgs = visibleOrgs(state.overview, state.hideSandbox);
    openNewConnectionDialog(t(), orgId, orgs.some((o) => o.id === orgId) ? orgs : state.overview.orgs, state.overview.connections, created);
  };
  const goBack = () => {
    const then = () => {
      view = "connections";
      void load().then(() => (root.querySelector('[data-testid="connections-heading"]') as HTMLElement | null)?.focus());
    };
    if (settingsView) settingsView.leave(then);
    else then();
  };
  /** The page's message: the result of the action that made it, worded in the language on
   * screen when drawn (a later language change words it again). */
  const notice = (text: Notice | null) => {
    if (state) state.notice = text;
    // Not under the user's hands in Settings (a Test's result arriving would rebuild the form
    // they are typing in); the connections page shows it on return.
    if (view !== "settings") render();
  };
  const created = (o: FlowOutcome) => {
    if (state) state.highlight = o.connectionId;
    void load().then(() => {
      const older = state?.overview.connections.find((c) => c.id === o.superseded);
      if (older) openSupersededDialog(t(), older, () => openDeleteDialog(t(), lang, older, orgOf(older), announce));
    });
  };
  const announce = (text: Notice) => notice(text);
  const orgOf = (c: Connection) => state?.overview.orgs.find((o) => o.id === c.org_id);

  /** One test; its outcome is kept by its parts, so that it is worded in the language on screen. */
  const runTest = async (conn: Connection): Promise<boolean> => {
    try {
      const r = await ipc.testConnection(conn.id);
      if (state) state.tests[conn.id] = { ok: true, text: (c) => testText(c, r), atMs: Date.now() };
      return true;
    } catch (err) {
      const code = asEngineError(err).code;
      if (state) state.tests[conn.id] = { ok: false, text: (c) => errorMessage(c, code), atMs: Date.now() };
      return false;
    }
  };
  /** Reconnect every broken connection on screen, one sign-in after the other. */
  const reconnectAll = (queue: Connection[], done = 0) => {
    const [conn, ...rest] = queue;
    if (!conn) return;
    const total = queue.length + done;
    notice((c) => fill(c.reconnectAllNext, { name: conn.nickname, done: String(done + 1), n: String(total) }));
    void reconnect(t(), conn, orgOf(conn), (o) => {
      created(o);
      reconnectAll(rest, done + 1);
    }, (e) => notice((c) => fill(c.aboutConnection, { name: conn.nickname, text: errorMessage(c, e.code) })));
  };

  /** The Users view of `conn`, with Back to the connections. */
  const showUsers = (conn: Connection) => {
    view = "users";
    usersOf = { conn, lang };
    usersView = openUsersView(t(), lang, conn, () => {
      usersView?.dispose();
      usersView = undefined;
      usersOf = undefined;
      view = "connections";
      void load().then(() => (root.querySelector('[data-testid="connections-heading"]') as HTMLElement | null)?.focus());
    });
    render();
    (root.querySelector('[data-testid="users-heading"]') as HTMLElement | null)?.focus();
  };

  root.addEventListener("change", (e) => {
    const target = e.target as HTMLInputElement;
    if (target.id === "org" && state) {
      state.orgId = target.value;
      state.orgPicked = true;
      state.notice = null;
      render();
    }
    if (target.id === "attention-only" && state) {
      state.attentionOnly = target.checked;
      render();
    }
  });
  root.addEventListener("input", (e) => {
    const target = e.target as HTMLInputElement;
    if (target.id === "search" && state) {
      state.search = target.value;
      const listing = renderListing(t(), lang, state);
      if (listing) root.querySelector("#listing")?.replaceWith(listing);
    }
  });
  root.addEventListener("click", (e) => {
    const el = (e.target as HTMLElement).closest<HTMLElement>("[data-action]");
    if (!el) return;
    // The Users view handles its own clicks.
    if (view === "users") return;
    if (el.dataset.action === "back") return goBack();
    if (!state) return;
    const conn = state.overview.connections.find((c) => c.id === el.dataset.id);
    // A message belongs to the action that made it: the next action (other than opening
    // details) replaces it, so an earlier result never sits beside a later one.
    if (el.dataset.action !== "details") state.notice = null;
    switch (el.dataset.action) {
      case "details":
        if (!conn) return;
        state.detailsId = state.detailsId === conn.id ? null : conn.id;
        void load();
        break;
      case "all-orgs":
        state.orgId = ALL_ORGS;
        state.orgPicked = true;
        render();
        (root.querySelector("#org") as HTMLElement | null)?.focus();
        break;
      case "run-now":
        render();
        // The outcome arrives as status changes (events), like any keepalive.
        void ipc.runKeepaliveNow().catch((err) => notice((c) => errorMessage(c, asEngineError(err).code)));
        break;
      case "settings":
        view = "settings";
        void openOrg(state.orgId).then(() => (root.querySelector("#margin") as HTMLElement | null)?.focus());
        break;
      case "org-settings":
        view = "settings";
        void openOrg(el.dataset.org ?? state.orgId);
        break;
      case "connect-zoom":
        // Add org: the setup guide, step by step, then its sign-in.
        view = "settings";
        void openOrg(null).then(() => (root.querySelector("#org-name") as HTMLElement | null)?.focus());
        break;
      case "try-sandbox":
        if (el.dataset.org) {
          state.orgId = el.dataset.org;
          render();
          newConnection(el.dataset.org);
        }
        break;
      case "new":
        render();
        newConnection(orgForNew(state));
        break;
      case "test": {
        if (!conn) return;
        notice((c) => fill(c.aboutConnection, { name: conn.nickname, text: c.testing }));
        void runTest(conn).then(() => notice((c, l) => fill(c.aboutConnection, { name: conn.nickname, text: state?.tests[conn.id]?.text(c, l) ?? "" })));
        break;
      }
      case "test-all": {
        const shown = [...root.querySelectorAll<HTMLElement>("tr[data-connection]")].map((r) => r.dataset.connection);
        const all = state.overview.connections.filter((c) => shown.includes(c.id));
        let ok = 0;
        notice((c) => fill(c.testAllRunning, { done: "0", n: String(all.length) }));
        void (async () => {
          for (const [i, c] of all.entries()) {
            if (await runTest(c)) ok++;
            const done = i + 1;
            notice((cat) => fill(cat.testAllRunning, { done: String(done), n: String(all.length) }));
          }
          notice((cat) => fill(cat.testAllDone, { n: String(all.length), ok: String(ok), failed: String(all.length - ok) }));
        })();
        break;
      }
      case "reconnect-all": {
        const shown = [...root.querySelectorAll<HTMLElement>("tr[data-connection]")].map((r) => r.dataset.connection);
        reconnectAll(state.overview.connections.filter((c) => shown.includes(c.id) && needsUser(c)));
        break;
      }
      case "reconnect":
        render();
        if (conn) void reconnect(t(), conn, orgOf(conn), created, (err) => notice((c) => errorMessage(c, err.code)));
        break;
      case "delete":
        render();
        if (conn) openDeleteDialog(t(), lang, conn, orgOf(conn), announce);
        break;
      case "rotate-secret":
        render();
        if (conn) openRotateSecretDialog(t(), conn, announce);
        break;
      case "rename":
        if (conn) openRenameDialog(t(), conn, state.overview.connections, announce);
        break;
      case "users":
        if (conn) showUsers(conn);
        break;
    }
  });

  render();
  await load();
  await restore();
  await ipc.onConnectionsChanged(() => void load()).catch(() => undefined);
  // The version is decoration: the page is usable before (or without) it.
  version = await getVersion().catch(() => null);
  render();
}

const root = document.getElementById("app");
if (root) void mount(root);
