// The bulk flow of the Users view: choose an action and the users (pasted, or a CSV file), see
// the dry run (who changes, who is already so, who is left out and why), confirm, then follow
// the run — a progress bar, Pause, Cancel, each user's result — and export the results. The run
// itself goes on in the app (and its journal) even if this dialog is closed.
import { h } from "./dom";
import { errorMessage, fill, type Catalog } from "./i18n";
import { asEngineError, ipc, type BulkAction, type BulkEnded, type Connection, type Plan, type PlannedBulk, type PlannedRow, type Progress, type Refusal, type ZoomGroup } from "./ipc";
import { button, modal } from "./dialogs";

/** Rows of a plan listed in the dialog; the counts cover all of them. */
const PLAN_ROWS_SHOWN = 200;

type Choice = "deactivate" | "activate" | "disassociate" | "delete" | "dept" | "group";

export function actionName(t: Catalog, a: BulkAction): string {
  switch (a.action) {
    case "activate":
      return t.bulkActivate;
    case "deactivate":
      return t.bulkDeactivate;
    case "remove":
      return a.mode === "delete" ? t.bulkDelete : t.bulkDisassociate;
    case "update":
      return t.bulkUpdateDept;
    case "add_to_group":
      return `${t.bulkAddToGroup}: ${a.group_name}`;
  }
}

export function refusalText(t: Catalog, why: Refusal): string {
  return {
    admin: t.bulkRefusedAdmin,
    yourself: t.bulkRefusedYourself,
    pending: t.bulkRefusedPending,
    duplicate: t.bulkRefusedDuplicate,
    not_found: t.bulkRefusedNotFound,
  }[why];
}

/** What a planned change does, in the admin's language (the engine's words name fields and
 * values; the values are the users' own). */
export function changeText(t: Catalog, a: BulkAction, what: string): string {
  switch (a.action) {
    case "deactivate":
      return `${t.usersStatusActive} → ${t.usersStatusInactive}`;
    case "activate":
      return `${t.usersStatusInactive} → ${t.usersStatusActive}`;
    case "remove":
      return actionName(t, a);
    case "add_to_group":
      return `+ ${a.group_name}`;
    case "update": {
      const names: Record<string, string> = {
        first_name: t.userFieldFirstName,
        last_name: t.userFieldLastName,
        dept: t.userFieldDept,
        job_title: t.userFieldJobTitle,
        timezone: t.userFieldTimezone,
        language: t.userFieldLanguage,
        type: t.userFieldType,
      };
      return what.replace(/(^|, )([a-z_]+):/g, (_, sep: string, field: string) => `${sep}${names[field] ?? field}:`);
    }
  }
}

/** The counts of a plan: [change, already so, left out]. */
export function planCounts(plan: Plan): [number, number, number] {
  let change = 0;
  let same = 0;
  let refused = 0;
  for (const r of plan.rows) {
    if (r.verdict.verdict === "change") change++;
    else if (r.verdict.verdict === "no_change") same++;
    else refused++;
  }
  return [change, same, refused];
}

/** Opens the bulk dialog: at its first step, at a given plan (an undo), or following a run. */
export function openBulkDialog(t: Catalog, conn: Connection, groups: ZoomGroup[], onChanged: () => void, plan?: PlannedBulk, following?: string): HTMLDialogElement {
  const body = h("div", { class: "bulk-body" });
  const error = h("p", { class: "error", role: "alert", "data-testid": "bulk-error" });
  const buttons = h("div", { class: "dialog-buttons" });
  let dialog: HTMLDialogElement;
  let unlisten: (() => void)[] = [];
  const close = () => dialog.close();

  const step = (content: Node[], actions: HTMLElement[]) => {
    error.textContent = "";
    body.replaceChildren(...content);
    buttons.replaceChildren(...actions);
  };

  const chooseStep = () => {
    const select = h(
      "select",
      { id: "bulk-action", "data-testid": "bulk-action" },
      ...(
        [
          ["deactivate", t.bulkDeactivate],
          ["activate", t.bulkActivate],
          ["disassociate", t.bulkDisassociate],
          ["delete", t.bulkDelete],
          ["dept", t.bulkUpdateDept],
          ...(groups.length ? [["group", t.bulkAddToGroup]] : []),
        ] as [Choice, string][]
      ).map(([v, label]) => h("option", { value: v }, label)),
    ) as HTMLSelectElement;
    const dept = h("input", { id: "bulk-dept", "data-testid": "bulk-dept" }) as HTMLInputElement;
    const group = h("select", { id: "bulk-group", "data-testid": "bulk-group" }, ...groups.map((g) => h("option", { value: g.id }, g.name))) as HTMLSelectElement;
    const deptRow = h("div", { class: "field", hidden: "" }, h("label", { for: "bulk-dept" }, t.bulkDeptValue), dept);
    const groupRow = h("div", { class: "field", hidden: "" }, h("label", { for: "bulk-group" }, t.bulkAddToGroup), group);
    select.addEventListener("change", () => {
      deptRow.hidden = select.value !== "dept";
      groupRow.hidden = select.value !== "group";
    });
    const users = h("textarea", { id: "bulk-users", rows: "6", "data-testid": "bulk-users", spellcheck: "false" }) as HTMLTextAreaElement;
    const file = h("input", { id: "bulk-csv", type: "file", accept: ".csv,text/csv,text/plain", "data-testid": "bulk-csv" }) as HTMLInputElement;
    file.addEventListener("change", () => {
      const f = file.files?.[0];
      if (f) void f.text().then((text) => (users.value = text));
    });
    const check = button(t.bulkCheck, async () => {
      const g = groups.find((x) => x.id === group.value);
      const action: BulkAction =
        select.value === "activate"
          ? { action: "activate" }
          : select.value === "disassociate"
            ? { action: "remove", mode: "disassociate" }
            : select.value === "delete"
              ? { action: "remove", mode: "delete" }
              : select.value === "dept"
                ? { action: "update", changes: { first_name: null, last_name: null, type: null, dept: dept.value, job_title: null, timezone: null, language: null } }
                : select.value === "group" && g
                  ? { action: "add_to_group", group_id: g.id, group_name: g.name }
                  : { action: "deactivate" };
      check.disabled = true;
      error.textContent = t.bulkChecking;
      try {
        planStep(await ipc.planBulk(conn.id, action, users.value));
      } catch (e) {
        check.disabled = false;
        const err = asEngineError(e);
        // What in the list cannot be read (an entry that is no email or id) is named, as written.
        error.textContent = err.code === "invalid_settings" ? `${errorMessage(t, err.code)} (${err.message})` : errorMessage(t, err.code);
      }
    }, { class: "primary", "data-testid": "bulk-check" });
    step(
      [
        h("div", { class: "field" }, h("label", { for: "bulk-action" }, t.bulkAction), select),
        deptRow,
        groupRow,
        h("div", { class: "field" }, h("label", { for: "bulk-users" }, t.bulkUsers), users),
        h("div", { class: "field" }, h("label", { for: "bulk-csv" }, t.bulkCsv), file),
      ],
      [button(t.cancel, close), check],
    );
    select.focus();
  };

  const planStep = (planned: PlannedBulk) => {
    const p = planned.plan;
    const [change, same, refused] = planCounts(p);
    const rows = p.rows.slice(0, PLAN_ROWS_SHOWN).map((r: PlannedRow) => {
      const v = r.verdict;
      const text = v.verdict === "change" ? `${t.bulkPlanChange}: ${changeText(t, p.action, v.what)}` : v.verdict === "no_change" ? t.bulkPlanSame : refusalText(t, v.why);
      return h("li", { class: `verdict-${v.verdict}`, "data-verdict": v.verdict }, h("span", { class: "mono" }, r.key), " — ", text);
    });
    const more = p.rows.length > PLAN_ROWS_SHOWN ? [h("p", { class: "hint" }, fill(t.bulkPlanMore, { n: String(p.rows.length - PLAN_ROWS_SHOWN) }))] : [];
    const destructive = p.action.action === "remove";
    const run = button(fill(t.bulkRun, { n: String(change) }), async () => {
      run.disabled = true;
      try {
        // Listening before the run starts: a short run may end before startBulk answers.
        const listening = listen();
        follow(listening, await ipc.startBulk(conn.id, planned.plan_id), change);
      } catch (e) {
        run.disabled = false;
        error.textContent = errorMessage(t, asEngineError(e).code);
      }
    }, { class: destructive ? "danger" : "primary", "data-testid": "bulk-run" });
    run.disabled = change === 0;
    step(
      [
        h("p", { id: "bulk-plan-summary", "data-testid": "bulk-plan-summary" }, `${actionName(t, p.action)}: ${fill(t.bulkPlan, { change: String(change), same: String(same), refused: String(refused) })}`),
        ...(change === 0 ? [h("p", { class: "hint" }, t.bulkNothing)] : []),
        // A list that scrolls: reachable from the keyboard, named by the summary above it.
        h("ul", { class: "plan-rows", tabindex: "0", "aria-labelledby": "bulk-plan-summary", "data-testid": "bulk-plan" }, ...rows),
        ...more,
      ],
      [button(t.bulkBack, chooseStep, { "data-testid": "bulk-back" }), run],
    );
    // The safe choice has the focus: Enter does not start a run by accident.
    (buttons.querySelector('[data-testid="bulk-back"]') as HTMLElement | null)?.focus();
  };

  /** The run's events from now on, kept until `follow` knows which run is this dialog's. */
  const listen = () => {
    const seen: { progress: Progress[]; ended: BulkEnded[]; onProgress?: (p: Progress) => void; onEnded?: (e: BulkEnded) => void } = { progress: [], ended: [] };
    void ipc.onBulkProgress((p) => (seen.onProgress ? seen.onProgress(p) : seen.progress.push(p))).then((f) => unlisten.push(f));
    void ipc.onBulkEnded((e) => (seen.onEnded ? seen.onEnded(e) : seen.ended.push(e))).then((f) => unlisten.push(f));
    return seen;
  };

  /** Follows run `runId` through its events until it ends. */
  const follow = (listening: ReturnType<typeof listen>, runId: string, total: number) => {
    dialog.dataset.run = runId;
    const bar = h("progress", { max: String(Math.max(total, 1)), value: "0", "data-testid": "bulk-progress", "aria-label": t.bulkTitle }) as HTMLProgressElement;
    const line = h("p", { role: "status", "aria-live": "polite", "data-testid": "bulk-progress-text" }, fill(t.bulkRunning, { done: "0", total: String(total), failed: "0" }));
    const failures = h("ul", { class: "failures", "data-testid": "bulk-failures" });
    let paused = false;
    const pause = button(t.bulkPause, async () => {
      paused = !paused;
      pause.textContent = paused ? t.bulkResume : t.bulkPause;
      await ipc.controlBulk(runId, paused, false).catch(() => undefined);
    }, { "data-testid": "bulk-pause" });
    const cancel = button(t.bulkCancel, () => void ipc.controlBulk(runId, false, true).catch(() => undefined), { class: "danger", "data-testid": "bulk-cancel" });
    step([bar, line, failures], [pause, cancel]);
    pause.focus();
    // The run's own counts (a resumed run's include what was done before this dialog).
    let done = 0;
    let failed = 0;
    listening.onProgress = (p) => {
      if (p.run_id !== runId) return;
      bar.max = p.total;
      bar.value = p.done;
      done = p.done;
      failed = p.failed;
      line.textContent = fill(t.bulkRunning, { done: String(p.done), total: String(p.total), failed: String(p.failed) });
      if (p.outcome.outcome === "failed") failures.append(h("li", {}, `${p.email}: ${errorMessage(t, p.outcome.code)}`));
    };
    listening.onEnded = (e) => {
      if (e.run_id !== runId) return;
      onChanged();
      const summary = e.finished
        ? fill(t.bulkFinished, { done: String(done - failed), total: String(bar.max), failed: String(failed) })
        : e.cancelled
            ? fill(t.bulkCancelled, { done: String(done), total: String(bar.max) })
            : fill(t.bulkStopped, { error: e.error ? errorMessage(t, e.error.code) : "" });
        line.textContent = summary;
        const exported = h("p", { class: "hint", role: "status", "data-testid": "bulk-exported" });
        step([bar, line, failures, exported], [
          button(t.bulkExport, async () => {
            try {
              exported.textContent = fill(t.bulkExported, { path: await ipc.exportBulk(runId) });
            } catch (err) {
              exported.textContent = errorMessage(t, asEngineError(err).code);
            }
          }, { "data-testid": "bulk-export" }),
          button(t.bulkClose, close, { class: "primary", "data-testid": "bulk-close" }),
        ]);
        (buttons.querySelector('[data-testid="bulk-close"]') as HTMLElement | null)?.focus();
    };
    // What came before this dialog knew its run.
    listening.progress.forEach((p) => listening.onProgress?.(p));
    listening.ended.forEach((e) => listening.onEnded?.(e));
  };

  dialog = modal(t.bulkTitle, [body, error], [], "bulk-dialog");
  // The dialog's own button row is replaced by the steps' buttons.
  dialog.querySelector(".dialog-buttons")?.replaceWith(buttons);
  dialog.addEventListener("close", () => {
    unlisten.forEach((f) => f());
    unlisten = [];
  });
  if (following) follow(listen(), following, 0);
  else if (plan) planStep(plan);
  else chooseStep();
  return dialog;
}
