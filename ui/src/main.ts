import { getVersion } from "@tauri-apps/api/app";
import { ALL_ORGS, needsReconnect, orgForNew, renderConnectionsPage, renderFooter, renderListing, visibleOrgs, type Notice, type PageState } from "./connections-page";
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
    if (flow) {
      const { orgs, connections } = state.overview;
      resumeWaiting(t(), flow, created, { org: orgs.find((o) => o.id === flow.org_id), reconnectOf: connections.find((c) => c.id === flow.reconnect_of) });
    }
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
          // Drawn again only when what is drawn changed: an org just added gets its guide's
          // last steps (loaded again, with its id); a new language or the sandbox shown or not
          // redraws the same forms. Otherwise what the user is looking at stays as it is.
          settingsSaid = said;
          if (added) void openOrg(orgView?.org.id ?? null).then(() => (settingsSaid = undefined));
          else if (before?.language !== next.language || before?.hide_sandbox !== next.hide_sandbox) {
            render();
            settingsSaid = undefined;
          } else settingsSaid = undefined;
        },
        remember: (next) => {
          settings = next;
        },
        openOrg: (id) => void openOrg(id).then(() => (root.querySelector("#settings-org-picker") as HTMLElement | null)?.focus()),
        // Both leave the page: unsaved changes are asked about first.
        connectFromGuide: (id) => settingsView?.leave(() => connectFromGuide(id)),
        orgRemoved: (org) =>
          settingsView?.leave(() => {
            settingsSaid = fill(t().orgRemoved, { name: org.name });
            void openOrg(state?.overview.orgs.find((o) => o.id !== org.id)?.id ?? null).then(() => (settingsSaid = undefined));
          }),
      });
      page = settingsView.element;
    } else page = renderConnectionsPage(t(), lang, state);
    // The search field being typed in stays the same element (a redraw by an event must not end
    // an input method's composition, as Japanese is typed).
    if (focused instanceof HTMLInputElement && focused.id === "search") page.querySelector("#search")?.replaceWith(focused);
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
      const org = blankOrg(state?.overview.orgs ?? []);
      // An org that is not there (removed meanwhile) shows a blank one to add, never nothing.
      orgView = await ipc.orgSettings(orgId).catch(() => ({ org, client_secret_saved: false, redirect_url: redirectUrlFor(org.redirect.kind, "") }));
    }
    render();
  };
  /** Counts loads: only the newest one's answers are drawn (an older one may land last). */
  let loads = 0;
  const load = async () => {
    const seq = ++loads;
    try {
      const [overview, current] = await Promise.all([ipc.overview(), ipc.settings()]);
      // The details shown now; their history, and the last borrow only when they changed (it
      // reads the broker's audit log).
      const wanted = state?.detailsId && overview.connections.some((c) => c.id === state!.detailsId) ? state.detailsId : null;
      const history = wanted ? await ipc.connectionHistory(wanted).catch(() => []) : [];
      const fresh = wanted !== null && wanted !== state?.borrowedFor;
      const borrowed = fresh ? await ipc.lastBorrowed(wanted).catch(() => null) : null;
      const socket = fresh ? await ipc.brokerSocket().catch(() => null) : null;
      if (seq !== loads) return;
      // Everything the user may have changed meanwhile is read now, after the answers came.
      settings = current;
      lang = pickLanguage(current.language, locales);
      setEngineClock(overview.now);
      const hideSandbox = current.hide_sandbox ?? false;
      const shown = visibleOrgs(overview, hideSandbox);
      // The org the user picked stays on screen while it is shown; otherwise the default follows
      // the orgs (several: all of them, so that nothing broken is out of sight).
      const keep = state?.orgPicked && (state.orgId === ALL_ORGS ? shown.length > 1 : shown.some((o) => o.id === state!.orgId));
      const orgId = keep ? state!.orgId : shown.length > 1 ? ALL_ORGS : (shown[0]?.id ?? "");
      const detailsId = state?.detailsId && overview.connections.some((c) => c.id === state!.detailsId) ? state.detailsId : null;
      const same = detailsId !== null && detailsId === wanted;
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
        history: same ? history : [],
        borrowed: same && fresh ? borrowed : same ? (state?.borrowed ?? null) : null,
        borrowedFor: same ? detailsId : null,
        socket: same && fresh ? socket : same ? (state?.socket ?? null) : null,
        tests: state?.tests ?? {},
        search: state?.search ?? "",
        attentionOnly: state?.attentionOnly ?? false,
        testingAll: state?.testingAll ?? false,
      };
    } catch {
      if (seq !== loads) return;
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
  /** Counts the user's actions: a result arriving late is shown only if no action came since
   * (else it is kept where it belongs, in the details, and the newer action's message stays). */
  let actions = 0;
  const ours = () => {
    const mine = actions;
    return (text: Notice | null) => {
      if (mine === actions) notice(text);
      else if (view !== "settings") render();
    };
  };
  /** Reconnect every broken connection on screen, one sign-in after the other; cancelling one
   * ends the round. */
  const reconnectAll = (queue: Connection[], done = 0) => {
    const [conn, ...rest] = queue;
    if (!conn) return;
    const total = queue.length + done;
    const said = ours();
    said((c) => fill(c.reconnectAllNext, { name: conn.nickname, done: String(done + 1), n: String(total) }));
    let signedIn = false;
    void reconnect(t(), conn, orgOf(conn), (o) => {
      signedIn = true;
      created(o);
      reconnectAll(rest, done + 1);
    }, (e) => said((c) => fill(c.aboutConnection, { name: conn.nickname, text: errorMessage(c, e.code) }))).then((dialog) =>
      dialog?.addEventListener("close", () => {
        if (!signedIn) said(null);
      }),
    );
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
      root.querySelector("#listing")?.replaceWith(renderListing(t(), lang, state));
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
    // A message belongs to the action that made it: the next action replaces it, so an earlier
    // result never sits beside a later one. Going somewhere (details, Settings, Users, another
    // org) is not an action: a result still coming shows when the user is back.
    if (!["details", "settings", "users", "all-orgs", "org-settings", "connect-zoom"].includes(el.dataset.action ?? "")) {
      state.notice = null;
      actions++;
    }
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
        // From all orgs: the first Zoom org's settings (else the sandbox's), not a new org.
        void openOrg(orgForNew(state)).then(() => (root.querySelector("#margin") as HTMLElement | null)?.focus());
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
        const said = ours();
        said((c) => fill(c.aboutConnection, { name: conn.nickname, text: c.testing }));
        void runTest(conn).then(() => said((c, l) => fill(c.aboutConnection, { name: conn.nickname, text: state?.tests[conn.id]?.text(c, l) ?? "" })));
        break;
      }
      case "test-all": {
        if (state.testingAll) return;
        const shown = [...root.querySelectorAll<HTMLElement>("tr[data-connection]")].map((r) => r.dataset.connection);
        const all = state.overview.connections.filter((c) => shown.includes(c.id));
        const said = ours();
        let ok = 0;
        state.testingAll = true;
        said((c) => fill(c.testAllRunning, { done: "0", n: String(all.length) }));
        void (async () => {
          for (const [i, c] of all.entries()) {
            if (await runTest(c)) ok++;
            const done = i + 1;
            said((cat) => fill(cat.testAllRunning, { done: String(done), n: String(all.length) }));
          }
          if (state) state.testingAll = false;
          said((cat) => fill(cat.testAllDone, { n: String(all.length), ok: String(ok), failed: String(all.length - ok) }));
        })();
        break;
      }
      case "reconnect-all": {
        const shown = [...root.querySelectorAll<HTMLElement>("tr[data-connection]")].map((r) => r.dataset.connection);
        reconnectAll(state.overview.connections.filter((c) => shown.includes(c.id) && needsReconnect(c)));
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
