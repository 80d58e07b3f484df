// Modal dialogs on the native <dialog>: showModal() traps focus and Escape closes it. Every
// dialog is removed from the document when it closes.
import { h } from "./dom";
import { errorMessage, fill, type Catalog } from "./i18n";
import { asEngineError, ipc, type Connection } from "./ipc";

let counter = 0;

/** Opens a modal with a heading, content and buttons; returns it (close() removes it). */
export function modal(title: string, content: Node[], buttons: HTMLElement[], testId: string): HTMLDialogElement {
  const id = `dialog-title-${++counter}`;
  const dialog = h(
    "dialog",
    // Not a tab stop itself: focus goes to its first control (showModal), or the one chosen.
    { "aria-labelledby": id, "data-testid": testId, class: "dialog", tabindex: "-1" },
    h("h2", { id }, title),
    ...content,
    h("div", { class: "dialog-buttons" }, ...buttons),
  ) as HTMLDialogElement;
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export function button(label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = h("button", { type: "button", ...attrs }, label) as HTMLButtonElement;
  b.addEventListener("click", onClick);
  return b;
}

/** Delete Connection: names it, says that deleting deauthorizes it in Zoom. If Zoom does not
 * confirm (unreachable, or something else answered), a second dialog offers to delete it from
 * this computer only. */
export function openDeleteDialog(t: Catalog, conn: Connection, announce: (text: string) => void): HTMLDialogElement {
  const error = h("p", { class: "error", role: "alert" });
  let dialog: HTMLDialogElement;
  const confirm = button(t.confirm, async () => {
    confirm.disabled = true;
    error.textContent = "";
    try {
      await ipc.deleteConnection(conn.id);
      dialog.close();
      focusConnectionsHeading();
    } catch (e) {
      const err = asEngineError(e);
      confirm.disabled = false;
      // Nothing was deleted because Zoom did not confirm (unreachable, or an answer that is not
      // Zoom's): deleting from this computer only is the way on. Not for any other reason (the
      // keychain, the settings, a lock held elsewhere): fixing that is.
      if (["network", "zoom_error", "zoom_bad_response", "zoom_rate_limited"].includes(err.code)) {
        dialog.close();
        openDeleteLocallyDialog(t, conn, announce);
      } else {
        error.textContent = errorMessage(t, err.code);
      }
    }
  }, { class: "danger", "data-testid": "confirm-delete" });
  dialog = modal(
    t.deleteTitle,
    [h("p", {}, fill(conn.kind === "server_to_server" ? t.deleteS2sExplain : t.deleteExplain, { name: conn.nickname })), error],
    [button(t.cancel, () => dialog.close(), { "data-testid": "cancel-delete" }), confirm],
    "delete-dialog",
  );
  // Enter must not delete and deauthorize by accident: the safe choice has the focus.
  (dialog.querySelector('[data-testid="cancel-delete"]') as HTMLElement | null)?.focus();
  return dialog;
}

/** After a delete the row is gone: focus the list's heading rather than <body>. */
export function focusConnectionsHeading() {
  (document.querySelector('[data-testid="connections-heading"]') as HTMLElement | null)?.focus();
}

function openDeleteLocallyDialog(t: Catalog, conn: Connection, announce: (text: string) => void): HTMLDialogElement {
  let dialog: HTMLDialogElement;
  const error = h("p", { class: "error", role: "alert" });
  const local = button(t.deleteLocally, async () => {
    try {
      await ipc.deleteConnectionLocally(conn.id);
      announce(fill(t.deletedLocally, { name: conn.nickname }));
      dialog.close();
      focusConnectionsHeading();
    } catch (e) {
      error.textContent = errorMessage(t, asEngineError(e).code);
    }
  }, { class: "danger", "data-testid": "confirm-delete-locally" });
  dialog = modal(
    t.deleteLocallyTitle,
    [h("p", {}, fill(t.deleteLocallyExplain, { name: conn.nickname })), error],
    [button(t.cancel, () => dialog.close()), local],
    "delete-locally-dialog",
  );
  return dialog;
}
