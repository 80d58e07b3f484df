import { getVersion } from "@tauri-apps/api/app";
import { renderConnectionsPage, renderFooter, type PageState } from "./connections-page";
import { openDeleteDialog } from "./dialogs";
import { catalogs, errorMessage, pickLanguage, testText, warningText, type Language } from "./i18n";
import { h } from "./dom";
import { asEngineError, ipc, type AppSettings, type Connection, type OrgSettings, type RememberedView } from "./ipc";
import { renderSettingsPage } from "./settings-page";
import { blankOrg, redirectUrlFor, renderOrgSettings, renderUninstallHelp } from "./org-settings";
import {
  openNewConnectionDialog,
  openRotateSecretDialog,
  openSupersededDialog,
  reconnect,
  resumeWaiting,
  showFlowEnded,
  WAITING_CHANGED,
  waitingFlowId,
  type FlowOutcome,
} from "./new-connection";
import { renderCheckSettings, renderSetupSteps } from "./setup-guide";
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
  const t = () => catalogs[lang];

  // Closing the window destroys this page (src-tauri/src/window.rs): the shell keeps where the
  // user is, told on each move, and hands it back when the window is opened again.
  let remembered = "";
  // Nothing is told before the view told last has been put back (restore).
  let restoring = true;
  const remember = () => {
    if (restoring) return;
    const memo: RememberedView = {
      page: view,
      org_id: (view === "settings" ? orgView?.org.id : state?.orgId) || null,
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
    if (was.org_id && state.overview.orgs.some((o) => o.id === was.org_id)) state.orgId = was.org_id;
    const conn = state.overview.connections.find((c) => c.id === was.connection_id);
    if (was.page === "users" && conn) showUsers(conn);
    else if (was.page === "settings") {
      view = "settings";
      await openOrg(was.org_id);
    } else if (conn) {
      state.detailsId = conn.id;
      await load();
    }
    if (flow) resumeWaiting(t(), flow, created);
    else if (ended) showFlowEnded(t(), ended, created, notice);
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
    const page =
      view === "settings" && settings
        ? h(
            "main",
            { class: "page", "aria-labelledby": "settings-heading" },
            h(
              "header",
              { class: "page-header" },
              h("h1", { id: "settings-heading" }, t().settings),
              h("button", { type: "button", "data-action": "back", "data-testid": "back" }, t().backToConnections),
            ),
            ...(state?.overview.orgs.some((o) => o.sandbox)
              ? [h("p", { class: "banner", role: "note", "data-testid": "sandbox-banner" }, t().sandboxBanner)]
              : []),
            h(
              "div",
              { class: "settings-grid" },
              renderSettingsPage(
                t(),
                settings,
                (next) => {
                  settings = next;
                  lang = pickLanguage(next.language, locales);
                  render();
                },
                (next) => {
                  settings = next;
                },
              ),
              h(
                "div",
                { class: "settings-column" },
                renderOrgPicker(),
                ...(orgView
                  ? [
                      ...(orgView.org.sandbox ? [] : [renderSetupSteps(t(), orgView.org, orgView.redirect_url)]),
                      renderOrgSettings(t(), orgView, (org) => {
                        if (state) state.orgId = org.id;
                        void openOrg(org.id);
                      }),
                      ...(orgView.org.id && state?.overview.orgs.some((o) => o.id === orgView!.org.id)
                        ? [renderCheckSettings(t(), orgView.org.id, () => connectFromGuide(orgView!.org.id)), renderUninstallHelp(t(), orgView.org.id)]
                        : []),
                    ]
                  : []),
              ),
            ),
          )
        : renderConnectionsPage(t(), lang, state);
    root.replaceChildren(page, renderFooter(t(), version));
    if (key) (root.querySelector(key) as HTMLElement | null)?.focus();
  };
  const renderOrgPicker = () => {
    const orgs = state?.overview.orgs ?? [];
    const current = orgView?.org.id ?? "";
    const select = h(
      "select",
      { id: "settings-org-picker", "data-testid": "settings-org-picker" },
      ...orgs.map((o) => {
        const opt = h("option", { value: o.id }, o.name) as HTMLOptionElement;
        opt.selected = o.id === current;
        return opt;
      }),
      (() => {
        const opt = h("option", { value: "__add__" }, t().addOrg) as HTMLOptionElement;
        opt.selected = !orgs.some((o) => o.id === current);
        return opt;
      })(),
    );
    return h("div", { class: "org-picker" }, h("label", { for: "settings-org-picker" }, t().orgPickerLabel), select);
  };
  /** Loads an org's settings for the Settings view (or a blank org to add). */
  const openOrg = async (orgId: string | null) => {
    const orgs = state?.overview.orgs ?? [];
    if (orgId === null) {
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
      const orgId = overview.orgs.some((o) => o.id === state?.orgId) ? state!.orgId : (overview.orgs[0]?.id ?? "");
      state = {
        overview,
        marginSecs: current.refresh_margin_secs,
        orgId,
        highlight: state?.highlight ?? null,
        notice: state?.notice ?? (overview.warning ? warningText(catalogs[lang], lang, overview.warning) : ""),
        detailsId: state?.detailsId ?? null,
        history: state?.detailsId ? await ipc.connectionHistory(state.detailsId).catch(() => []) : [],
        tests: state?.tests ?? {},
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
    if (state) state.orgId = orgId;
    void load().then(() => {
      if (state) openNewConnectionDialog(t(), orgId, state.overview.connections, created);
    });
  };
  const notice = (text: string) => {
    if (state) state.notice = text;
    // Not under the user's hands in Settings (a Test's result arriving would rebuild the form
    // they are typing in); the connections page shows it on return.
    if (view !== "settings") render();
  };
  const created = (o: FlowOutcome) => {
    if (state) state.highlight = o.connectionId;
    void load().then(() => {
      const older = state?.overview.connections.find((c) => c.id === o.superseded);
      if (older) openSupersededDialog(t(), older, () => openDeleteDialog(t(), older, notice));
    });
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
    const target = e.target as HTMLSelectElement;
    if (target.id === "org" && state) {
      state.orgId = target.value;
      render();
    }
    if (target.id === "settings-org-picker") {
      void openOrg(target.value === "__add__" ? null : target.value).then(() =>
        (root.querySelector("#settings-org-picker") as HTMLElement | null)?.focus(),
      );
    }
  });
  root.addEventListener("click", (e) => {
    const el = (e.target as HTMLElement).closest<HTMLElement>("[data-action]");
    if (!el) return;
    // The Users view handles its own clicks.
    if (view === "users") return;
    if (el.dataset.action === "back") {
      view = "connections";
      void load().then(() => (root.querySelector('[data-testid="connections-heading"]') as HTMLElement | null)?.focus());
      return;
    }
    if (!state) return;
    const conn = state.overview.connections.find((c) => c.id === el.dataset.id);
    switch (el.dataset.action) {
      case "details":
        if (!conn) return;
        state.detailsId = state.detailsId === conn.id ? null : conn.id;
        void load();
        break;
      case "run-now":
        // The outcome arrives as status changes (events), like any keepalive.
        void ipc.runKeepaliveNow().catch((err) => notice(errorMessage(t(), asEngineError(err).code)));
        break;
      case "settings":
        view = "settings";
        void openOrg(state.orgId).then(() => (root.querySelector("#margin") as HTMLElement | null)?.focus());
        break;
      case "new":
        openNewConnectionDialog(t(), state.orgId, state.overview.connections, created);
        break;
      case "test":
        if (!conn) return;
        notice(`${conn.nickname}: ${t().testing}`);
        ipc.testConnection(conn.id).then(
          (r) => {
            const text = testText(t(), r);
            if (state) state.tests[conn.id] = { ok: true, text, atMs: Date.now() };
            notice(`${conn.nickname}: ${text}`);
          },
          (err) => {
            const text = errorMessage(t(), asEngineError(err).code);
            if (state) state.tests[conn.id] = { ok: false, text, atMs: Date.now() };
            notice(`${conn.nickname}: ${text}`);
          },
        );
        break;
      case "reconnect":
        if (conn) void reconnect(t(), conn, created, notice);
        break;
      case "delete":
        if (conn) openDeleteDialog(t(), conn, notice);
        break;
      case "rotate-secret":
        if (conn) openRotateSecretDialog(t(), conn, notice);
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
