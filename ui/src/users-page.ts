// The Users view of a connection: the account's users, searched as you type in a list that
// draws only the rows in sight (smooth at 10,000 users and more), a user's details, groups and
// actions, the bulk flow (users-bulk.ts) and the connection's recent bulk runs. User data lives
// in this page's memory only; nothing of it is stored by the window.
import { h } from "./dom";
import { exactTime, relativeTime, userTypeName } from "./format";
import { errorMessage, fill, roleName, type Catalog, type Language } from "./i18n";
import { asEngineError, ipc, type BulkAction, type Connection, type RunSummary, type ZoomGroup, type ZoomUser } from "./ipc";
import { button } from "./dialogs";
import { actionName, openBulkDialog } from "./users-bulk";
import { actionError, openEditDialog, openRemoveDialog } from "./users-dialogs";

/** Each row's height in pixels: the list draws rows by position, so all rows are the same. */
export const ROW_HEIGHT = 44;
/** Rows drawn above and below the visible ones, so that fast scrolling shows no gap. */
const OVERSCAN = 8;

type StatusFilter = "all" | "active" | "inactive" | "pending";

export interface UsersView {
  element: HTMLElement;
  /** Stops listening to the shell's events. */
  dispose(): void;
}

/** Lower-case text each user is searched by, computed once per load. */
function haystack(u: ZoomUser): string {
  return `${u.email} ${u.display_name} ${u.first_name} ${u.last_name}`.toLowerCase();
}

/** The users that `query` and `status` keep, in the list's order. */
export function filterUsers(users: ZoomUser[], index: string[], query: string, status: StatusFilter): ZoomUser[] {
  const q = query.trim().toLowerCase();
  const out: ZoomUser[] = [];
  for (let i = 0; i < users.length; i++) {
    if (status !== "all" && users[i].status !== status) continue;
    if (q && !index[i].includes(q)) continue;
    out.push(users[i]);
  }
  return out;
}

export function statusName(t: Catalog, status: string): string {
  return status === "inactive" ? t.usersStatusInactive : status === "pending" ? t.usersStatusPending : t.usersStatusActive;
}

function isAdmin(u: ZoomUser): boolean {
  return u.role_id === "0" || u.role_id === "1" || u.role_name === "Owner" || u.role_name === "Admin";
}

export function openUsersView(t: Catalog, lang: Language, conn: Connection, onBack: () => void): UsersView {
  let users: ZoomUser[] | null = null;
  let index: string[] = [];
  let shown: ZoomUser[] = [];
  let groups: ZoomGroup[] = [];
  let runs: RunSummary[] = [];
  let selected: ZoomUser | null = null;
  let focusRow = 0;

  const status = h("p", { class: "users-status", role: "status", "aria-live": "polite", "data-testid": "users-status" }, t.usersLoading);
  const search = h("input", { id: "users-search", type: "search", "data-testid": "users-search", autocomplete: "off", spellcheck: "false" }) as HTMLInputElement;
  const filter = h(
    "select",
    { id: "users-filter", "data-testid": "users-filter" },
    ...(["all", "active", "inactive", "pending"] as StatusFilter[]).map((v) =>
      h("option", { value: v }, { all: t.usersStatusAll, active: t.usersStatusActive, inactive: t.usersStatusInactive, pending: t.usersStatusPending }[v]),
    ),
  ) as HTMLSelectElement;
  const list = h("ul", { class: "users-rows", role: "list", "aria-label": fill(t.usersHeading, { name: conn.nickname }), "data-testid": "users-list" });
  const spacer = h("div", { class: "users-spacer" }, list);
  const scroller = h("div", { class: "users-scroll", "data-testid": "users-scroll" }, spacer);
  const details = h("section", { class: "user-details", "aria-label": t.userFieldEmail, "data-testid": "user-details" }, h("p", { class: "hint" }, t.usersEmptyHint));
  const recent = h("section", { class: "recent-runs", "aria-labelledby": "recent-heading", "data-testid": "recent-runs" });
  const notice = h("p", { class: "notice", role: "status", "aria-live": "polite", "data-testid": "users-notice" });
  const heading = h("h1", { id: "users-heading", tabindex: "-1", "data-testid": "users-heading" }, fill(t.usersHeading, { name: conn.nickname }));

  const element = h(
    "main",
    { class: "page users-page", "aria-labelledby": "users-heading", "data-testid": "users-page" },
    h(
      "header",
      { class: "page-header" },
      heading,
      h(
        "div",
        { class: "header-actions" },
        button(t.usersReload, () => void load(), { "data-testid": "users-reload" }),
        button(t.bulkOpen, () => openBulk(), { class: "primary", "data-testid": "bulk-open" }),
        button(t.backToConnections, onBack, { "data-testid": "users-back" }),
      ),
    ),
    h("p", { class: "hint" }, t.usersPrivacy, " ", t.usersVia),
    notice,
    h(
      "div",
      { class: "users-tools" },
      h("label", { for: "users-search" }, t.usersSearch),
      search,
      h("label", { for: "users-filter" }, t.usersStatusFilter),
      filter,
      status,
    ),
    h("div", { class: "users-layout" }, scroller, details),
    recent,
  );

  /** Draws the rows in sight (and a few around them) at their positions. */
  const drawRows = () => {
    const top = scroller.scrollTop;
    const height = scroller.clientHeight || 440;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(shown.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
    list.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const u = shown[i];
      const b = h(
        "button",
        {
          type: "button",
          class: "user-row",
          "data-row": String(i),
          "data-email": u.email,
          "aria-pressed": String(selected?.email === u.email),
          // One tab stop in the list: the row last moved to, or the first drawn when it is out
          // of sight (scrolled away with the mouse).
          tabindex: i === (focusRow >= first && focusRow < last ? focusRow : first) ? "0" : "-1",
        },
        h("span", { class: "user-name" }, u.display_name || u.email),
        h("span", { class: "user-email" }, u.email),
        h("span", { class: `user-state state-${u.status}` }, statusName(t, u.status)),
      );
      // Position in the whole list for screen readers, not in the few rows drawn.
      rows.push(h("li", { "aria-setsize": String(shown.length), "aria-posinset": String(i + 1) }, b));
    }
    list.replaceChildren(...rows);
    if (shown.length === 0 && users) list.replaceChildren(h("li", { class: "hint" }, t.usersNone));
  };

  const refilter = () => {
    if (!users) return;
    shown = filterUsers(users, index, search.value, filter.value as StatusFilter);
    focusRow = Math.min(focusRow, Math.max(0, shown.length - 1));
    status.textContent = shown.length === users.length ? fill(t.usersLoaded, { n: String(users.length) }) : fill(t.usersShown, { shown: String(shown.length), n: String(users.length) });
    drawRows();
  };

  const groupName = (id: string) => groups.find((g) => g.id === id)?.name ?? id;

  const say = (text: string) => {
    notice.textContent = text;
  };

  /** One action on the selected user; then the user read again from Zoom. */
  const act = async (what: string, run: () => Promise<unknown>) => {
    if (!selected) return;
    try {
      await run();
      say(fill(t.userDone, { what }));
      await refreshUser(selected);
    } catch (e) {
      say(fill(t.userFailed, { what, error: actionError(t, asEngineError(e)) }));
    }
  };

  const single = async (u: ZoomUser, action: BulkAction) => {
    await ipc.userAction(conn.id, u.email, u.id, action);
    // A single action is a run of one in the journal: it joins the recent actions.
    void loadRuns();
  };

  const refreshUser = async (u: ZoomUser) => {
    const key = u.id ?? u.email;
    let fresh: ZoomUser | null = null;
    try {
      fresh = await ipc.getUser(conn.id, key);
    } catch (e) {
      if (asEngineError(e).code !== "not_found") throw e;
    }
    if (users) {
      const i = users.findIndex((x) => x.email === u.email);
      if (i >= 0 && fresh) {
        users[i] = fresh;
        index[i] = haystack(fresh);
      } else if (i >= 0) {
        users.splice(i, 1);
        index.splice(i, 1);
      }
    }
    // The admin may have chosen someone else meanwhile.
    if (selected?.email === u.email) selected = fresh;
    refilter();
    drawDetails();
  };

  const field = (label: string, value: string) => [h("dt", {}, label), h("dd", {}, value || "—")];

  const drawDetails = () => {
    const u = selected;
    if (!u) {
      details.removeAttribute("aria-labelledby");
      details.setAttribute("aria-label", t.usersEmptyHint);
      details.replaceChildren(h("p", { class: "hint" }, t.usersEmptyHint));
      return;
    }
    details.removeAttribute("aria-label");
    details.setAttribute("aria-labelledby", "user-details-heading");
    const when = (iso: string | null) => (iso ? exactTime(Date.parse(iso) / 1000, lang) : "");
    const memberships = u.group_ids.length
      ? h(
          "ul",
          { class: "memberships", "data-testid": "user-groups" },
          ...u.group_ids.map((g) =>
            h(
              "li",
              {},
              h("span", {}, groupName(g)),
              button(fill(t.userRemoveFromGroup, { group: groupName(g) }), () => void act(fill(t.userRemoveFromGroup, { group: groupName(g) }), () => ipc.removeFromGroup(conn.id, g, u.id ?? u.email)), {
                class: "link",
                "data-action": "remove-from-group",
                "data-group": g,
              }),
            ),
          ),
        )
      : h("p", {}, t.userNoGroups);
    const pick = h(
      "select",
      { id: "user-group-pick", "data-testid": "user-group-pick" },
      ...groups.filter((g) => !u.group_ids.includes(g.id)).map((g) => h("option", { value: g.id }, g.name)),
    ) as HTMLSelectElement;
    const admin = isAdmin(u);
    const actions = h(
      "div",
      { class: "actions" },
      ...(u.status === "pending"
        ? []
        : [
            u.status === "inactive"
              ? button(t.userActivate, () => void act(t.userActivate, () => single(u, { action: "activate" })), { "data-testid": "user-activate" })
              : button(t.userDeactivate, () => void act(t.userDeactivate, () => single(u, { action: "deactivate" })), { "data-testid": "user-deactivate" }),
          ]),
      button(t.userEdit, () => openEdit(u), { "data-testid": "user-edit" }),
      button(t.userRemove, () => openRemove(u), { class: "danger", "data-testid": "user-remove" }),
    );
    details.replaceChildren(
      h("h2", { id: "user-details-heading", tabindex: "-1" }, fill(t.userDetailsHeading, { name: u.display_name || u.email })),
      h(
        "dl",
        { class: "fields" },
        ...field(t.userFieldEmail, u.email),
        ...field(t.userFieldStatus, statusName(t, u.status)),
        ...field(t.userFieldType, userTypeName(t, u.type)),
        ...field(t.userFieldRole, roleName(t, u.role_name ?? u.role_id ?? "")),
        ...field(t.userFieldDept, u.dept),
        ...field(t.userFieldJobTitle, u.job_title),
        ...field(t.userFieldTimezone, u.timezone),
        ...field(t.userFieldLanguage, u.language),
        ...field(t.userFieldCreated, when(u.created_at)),
        ...field(t.userFieldLastLogin, when(u.last_login_time)),
      ),
      h("h3", {}, t.userFieldGroups),
      memberships,
      ...(groups.length && u.id
        ? [
            h(
              "div",
              { class: "add-group" },
              h("label", { for: "user-group-pick" }, t.userGroupPick),
              pick,
              button(t.userAddToGroup, () => {
                const g = groups.find((x) => x.id === pick.value);
                if (g) void act(`${t.userAddToGroup}: ${g.name}`, () => single(u, { action: "add_to_group", group_id: g.id, group_name: g.name }));
              }, { "data-testid": "user-add-group" }),
            ),
          ]
        : []),
      ...(admin ? [h("p", { class: "hint", "data-testid": "user-admin-note" }, t.userAdminNote)] : []),
      actions,
    );
  };

  const openEdit = (u: ZoomUser) =>
    openEditDialog(t, u, (action) => single(u, action), async () => {
      say(fill(t.userDone, { what: t.userEdit.replace("…", "") }));
      await refreshUser(u);
    });

  const openRemove = (u: ZoomUser) =>
    openRemoveDialog(t, u, (action) => single(u, action), async () => {
      say(fill(t.userDone, { what: t.removeConfirm }));
      await refreshUser(u);
    });

  const drawRecent = () => {
    const items = runs.map((r) => {
      const state = r.running ? t.recentRunning : r.finished ? "" : t.recentInterrupted;
      const line = fill(t.recentRow, {
        action: actionName(t, r.action),
        users: String(r.users),
        done: String(r.done - r.failed),
        failed: String(r.failed),
        when: relativeTime(r.created_at, Date.now(), lang),
      });
      return h(
        "li",
        { "data-run": r.run_id },
        h("span", {}, state ? `${line} · ${state}` : line),
        ...(!r.finished && !r.running ? [button(t.recentResume, () => void resume(r.run_id), { "data-action": "resume-run", "data-run": r.run_id })] : []),
        ...(r.undoable ? [button(t.recentUndo, () => void undo(r.run_id), { "data-action": "undo-run", "data-run": r.run_id })] : []),
        button(t.bulkExport, () => void exportRun(r.run_id), { class: "link", "data-action": "export-run", "data-run": r.run_id }),
      );
    });
    recent.replaceChildren(h("h2", { id: "recent-heading" }, t.recentActions), items.length ? h("ul", { class: "runs" }, ...items) : h("p", { class: "hint" }, t.recentNone));
  };

  const loadRuns = async () => {
    runs = await ipc.bulkRuns(conn.id).catch(() => runs);
    drawRecent();
  };

  const exportRun = async (runId: string) => {
    try {
      say(fill(t.bulkExported, { path: await ipc.exportBulk(runId) }));
    } catch (e) {
      say(errorMessage(t, asEngineError(e).code));
    }
  };

  const openBulk = (plan?: Parameters<typeof openBulkDialog>[4]) =>
    openBulkDialog(t, conn, groups, () => {
      void load();
    }, plan);

  const resume = async (runId: string) => {
    try {
      await ipc.resumeBulk(runId);
      openBulkDialog(t, conn, groups, () => void load(), undefined, runId);
      await loadRuns();
    } catch (e) {
      say(errorMessage(t, asEngineError(e).code));
    }
  };

  const undo = async (runId: string) => {
    try {
      openBulk(await ipc.undoBulk(runId));
    } catch (e) {
      say(errorMessage(t, asEngineError(e).code));
    }
  };

  let loads = 0;
  const load = async () => {
    // Only the latest load draws (a reload started while another was answering).
    const mine = ++loads;
    status.textContent = t.usersLoading;
    try {
      // Marks for `make bench` (bench/users-view.mjs): the command's answer and the list drawn.
      performance.mark("zc-users-asked");
      const [loaded, loadedGroups] = await Promise.all([
        ipc.listUsers(conn.id).then((u) => {
          performance.mark("zc-users-answered");
          return u;
        }),
        ipc.listGroups(conn.id).catch(() => [] as ZoomGroup[]),
      ]);
      if (mine !== loads) return;
      users = loaded;
      index = loaded.map(haystack);
      groups = loadedGroups;
      if (selected) selected = loaded.find((u) => u.email === selected!.email) ?? null;
      refilter();
      drawDetails();
      performance.mark("zc-users-drawn");
    } catch (e) {
      status.textContent = actionError(t, asEngineError(e));
    }
    await loadRuns();
  };

  let frame = 0;
  scroller.addEventListener("scroll", () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      drawRows();
    });
  });
  search.addEventListener("input", () => {
    scroller.scrollTop = 0;
    focusRow = 0;
    refilter();
  });
  filter.addEventListener("change", () => {
    scroller.scrollTop = 0;
    focusRow = 0;
    refilter();
  });
  const choose = (i: number) => {
    selected = shown[i] ?? null;
    focusRow = i;
    drawRows();
    drawDetails();
  };
  list.addEventListener("click", (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>("[data-row]");
    if (row) choose(Number(row.dataset.row));
  });
  // Up and Down move through the whole list (drawing rows as they come into sight), Home/End
  // go to its ends, Enter or Space (the button's own) choose the user.
  list.addEventListener("keydown", (e) => {
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };
    let next = focusRow;
    if (e.key in moves) next = focusRow + moves[e.key];
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = shown.length - 1;
    else return;
    e.preventDefault();
    focusRow = Math.max(0, Math.min(shown.length - 1, next));
    const top = focusRow * ROW_HEIGHT;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight;
    drawRows();
    (list.querySelector(`[data-row="${focusRow}"]`) as HTMLElement | null)?.focus();
  });

  const unlisten: Promise<() => void>[] = [ipc.onBulkEnded(() => void load()).catch(() => () => undefined)];
  void load();
  return {
    element,
    dispose: () => unlisten.forEach((p) => void p.then((f) => f())),
  };
}
