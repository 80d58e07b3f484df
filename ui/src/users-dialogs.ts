// The Users view's dialogs for one user: Edit and Remove (users-page.ts opens them).
import { h } from "./dom";
import { errorMessage, fill, type Catalog } from "./i18n";
import { asEngineError, type BulkAction, type EngineError, type ZoomUser } from "./ipc";
import { button, modal } from "./dialogs";

/** An error in the user's language, with Zoom's own words after it when Zoom gave some. */
export function actionError(t: Catalog, e: EngineError): string {
  const quoted = /Zoom answered “([^”]*)”/.exec(e.message)?.[1];
  return quoted ? `${errorMessage(t, e.code)} ${fill(t.zoomAnswered, { message: quoted })}` : errorMessage(t, e.code);
}

/** Edit: the names, department and job title; only what changed is sent. */
export function openEditDialog(t: Catalog, u: ZoomUser, run: (action: BulkAction) => Promise<void>, done: () => Promise<void>): HTMLDialogElement {
  const input = (id: string, label: string, value: string) => {
    const el = h("input", { id, value, "data-testid": id }) as HTMLInputElement;
    return { el, row: h("div", { class: "field" }, h("label", { for: id }, label), el) };
  };
  const first = input("edit-first-name", t.userFieldFirstName, u.first_name);
  const last = input("edit-last-name", t.userFieldLastName, u.last_name);
  const dept = input("edit-dept", t.userFieldDept, u.dept);
  const title = input("edit-job-title", t.userFieldJobTitle, u.job_title);
  const error = h("p", { class: "error", role: "alert" });
  let dialog: HTMLDialogElement;
  const changed = (el: HTMLInputElement, was: string) => (el.value !== was ? el.value : null);
  const save = button(t.userSave, async () => {
    const changes = {
      first_name: changed(first.el, u.first_name),
      last_name: changed(last.el, u.last_name),
      type: null,
      dept: changed(dept.el, u.dept),
      job_title: changed(title.el, u.job_title),
      timezone: null,
      language: null,
    };
    if (Object.values(changes).every((v) => v === null)) {
      dialog.close();
      return;
    }
    save.disabled = true;
    try {
      await run({ action: "update", changes });
      dialog.close();
      await done();
    } catch (e) {
      save.disabled = false;
      error.textContent = actionError(t, asEngineError(e));
    }
  }, { class: "primary", "data-testid": "edit-save" });
dialog = modal(fill(t.userEditTitle, { name: u.display_name || u.email }), [first.row, last.row, dept.row, title.row, error], [button(t.cancel, () => dialog.close()), save], "edit-dialog");
return dialog;
}

/** Remove: Zoom's two removals said plainly, disassociate chosen, Cancel focused. */
export function openRemoveDialog(t: Catalog, u: ZoomUser, run: (action: BulkAction) => Promise<void>, done: () => Promise<void>): HTMLDialogElement {
  const radio = (value: string, label: string, explain: string, checked: boolean) => {
    const id = `remove-${value}`;
    const input = h("input", { type: "radio", name: "remove-mode", id, value, "data-testid": id }) as HTMLInputElement;
    input.checked = checked;
    return h("div", { class: "choice" }, input, h("label", { for: id }, label), h("p", { class: "hint" }, explain));
  };
  const error = h("p", { class: "error", role: "alert" });
  let dialog: HTMLDialogElement;
  const confirm = button(t.removeConfirm, async () => {
    const mode = (dialog.querySelector('input[name="remove-mode"]:checked') as HTMLInputElement | null)?.value === "delete" ? "delete" : "disassociate";
    confirm.disabled = true;
    try {
      await run({ action: "remove", mode });
      dialog.close();
      await done();
    } catch (e) {
      confirm.disabled = false;
      error.textContent = actionError(t, asEngineError(e));
    }
  }, { class: "danger", "data-testid": "remove-confirm" });
  dialog = modal(
    fill(t.removeTitle, { name: u.display_name || u.email }),
    [
      h(
        "fieldset",
        {},
        h("legend", { class: "visually-hidden" }, t.removeConfirm),
        radio("disassociate", t.removeDisassociate, t.removeDisassociateExplain, true),
        // An invitation is withdrawn by disassociating (Zoom's rule): no permanent delete offered.
        ...(u.status === "pending" ? [] : [radio("delete", t.removeDelete, t.removeDeleteExplain, false)]),
      ),
      error,
    ],
    [button(t.cancel, () => dialog.close(), { "data-testid": "remove-cancel" }), confirm],
    "remove-dialog",
  );
// Enter must not remove anyone by accident.
(dialog.querySelector('[data-testid="remove-cancel"]') as HTMLElement | null)?.focus();
return dialog;
}
