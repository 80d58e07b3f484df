// Modal dialogs on the native <dialog>: showModal() traps focus and Escape closes it. Every
// dialog is removed from the document when it closes.
import { h } from "./dom";
import { relativeTime } from "./format";
import { errorMessage, fill, type Catalog, type Language } from "./i18n";
import { asEngineError, ipc, type Connection, type Org } from "./ipc";
import { nicknameProblem } from "./nickname";
import type { Notice } from "./connections-page";

let counter = 0;

/** Opens a modal with a heading, content and buttons; returns it (close() removes it). */
export function modal(title: string, content: Node[], buttons: HTMLElement[], testId: string): HTMLDialogElement {
  const id = `dialog-title-${++counter}`;
  const dialog = h(
    "dialog",
    // Not a tab stop itself: focus goes to its first control (showModal), or the one chosen.
    { "aria-labelledby": id, "data-testid": testId, class: "dialog", tabindex: "-1" },
    h("h2", { id }, title),
    // The content scrolls when the window is small; the heading and buttons stay in sight.
    h("div", { class: "dialog-body" }, ...content),
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

/** Delete connection: names it, its org and its Zoom user, says that scripts using it stop
 * working (and when one last borrowed its token), and that deleting deauthorizes it in Zoom. If
 * Zoom does not confirm (unreachable, or something else answered), a second dialog says why and
 * offers to try again, or to delete it from this computer only. */
export function openDeleteDialog(t: Catalog, lang: Language, conn: Connection, org: Org | undefined, announce: (text: Notice) => void): HTMLDialogElement {
  const error = h("p", { class: "error", role: "alert" });
  let dialog: HTMLDialogElement;
  const confirm = button(t.deleteConfirm, async () => {
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
        openDeleteLocallyDialog(t, lang, conn, org, errorMessage(t, err.code), announce);
      } else {
        error.textContent = errorMessage(t, err.code);
      }
    }
  }, { class: "danger", "data-testid": "confirm-delete" });
  const s2s = conn.kind === "server_to_server";
  const orgName = org?.name ?? conn.org_id;
  const who = s2s
    ? fill(t.deleteWhoS2s, { name: conn.nickname, org: orgName, client: conn.s2s?.client_id ?? "" })
    : fill(t.deleteWho, { name: conn.nickname, org: orgName, email: conn.identity.email });
  const borrowed = h("p", { class: "hint", "data-testid": "delete-borrowed" });
  dialog = modal(
    t.deleteTitle,
    [
      h("p", { class: "delete-who", "data-testid": "delete-who" }, who),
      h("p", {}, s2s ? t.deleteS2sExplain : t.deleteExplain),
      h("p", { class: "warning", "data-testid": "delete-scripts" }, t.deleteScripts),
      borrowed,
      error,
    ],
    [button(t.cancel, () => dialog.close(), { "data-testid": "cancel-delete" }), confirm],
    "delete-dialog",
  );
  // From the broker's audit log: which script will stop working, if one used it.
  void ipc.lastBorrowed(conn.id).then(
    (b) => {
      borrowed.textContent = b ? fill(t.deleteLastBorrowed, { when: relativeTime(b.at, Date.now(), lang), program: b.program ?? t.unknownProgram }) : t.deleteNeverBorrowed;
    },
    () => undefined,
  );
  // Enter must not delete and deauthorize by accident: the safe choice has the focus.
  (dialog.querySelector('[data-testid="cancel-delete"]') as HTMLElement | null)?.focus();
  return dialog;
}

/** After a delete the row is gone: focus the list's heading rather than <body>. */
export function focusConnectionsHeading() {
  (document.querySelector('[data-testid="connections-heading"]') as HTMLElement | null)?.focus();
}

function openDeleteLocallyDialog(t: Catalog, lang: Language, conn: Connection, org: Org | undefined, why: string, announce: (text: Notice) => void): HTMLDialogElement {
  let dialog: HTMLDialogElement;
  const error = h("p", { class: "error", role: "alert" });
  const local = button(t.deleteLocally, async () => {
    try {
      await ipc.deleteConnectionLocally(conn.id);
      announce((c) => fill(c.deletedLocally, { name: conn.nickname }));
      dialog.close();
      focusConnectionsHeading();
    } catch (e) {
      error.textContent = errorMessage(t, asEngineError(e).code);
    }
  }, { class: "danger", "data-testid": "confirm-delete-locally" });
  // Trying again first: the grant ends only when Zoom confirms.
  const again = button(t.tryAgain, () => {
    dialog.close();
    openDeleteDialog(t, lang, conn, org, announce);
  }, { class: "primary", "data-testid": "delete-try-again" });
  dialog = modal(
    t.deleteLocallyTitle,
    [h("p", {}, fill(t.deleteLocallyExplain, { name: conn.nickname })), h("p", { class: "warning", "data-testid": "delete-why" }, fill(t.deleteWhy, { why })), error],
    [button(t.cancel, () => dialog.close()), local, again],
    "delete-locally-dialog",
  );
  again.focus();
  return dialog;
}

/** Rename: a new nickname, checked as at New Connection; the engine checks again. */
export function openRenameDialog(t: Catalog, conn: Connection, existing: Connection[], announce: (text: Notice) => void): HTMLDialogElement {
  const input = h("input", { id: "rename-nickname", type: "text", autocomplete: "off", "aria-describedby": "rename-help rename-error", "data-testid": "rename-nickname" }) as HTMLInputElement;
  input.value = conn.nickname;
  const error = h("p", { id: "rename-error", class: "error", role: "alert", "data-testid": "rename-error" });
  let dialog: HTMLDialogElement;
  const save = button(t.save, async () => {
    const others = existing.filter((c) => c.id !== conn.id);
    const problem = nicknameProblem(t, input.value, conn.org_id, others);
    error.textContent = problem ?? "";
    input.setAttribute("aria-invalid", problem ? "true" : "false");
    if (problem) return input.focus();
    save.disabled = true;
    try {
      const renamed = await ipc.renameConnection(conn.id, input.value.trim());
      dialog.close();
      announce((c) => fill(c.renamed, { name: renamed.nickname }));
    } catch (e) {
      save.disabled = false;
      error.textContent = errorMessage(t, asEngineError(e).code);
      input.focus();
    }
  }, { class: "primary", "data-testid": "save-rename" });
  input.addEventListener("keydown", (e) => {
    // Not the Enter that ends an input method's composition (Japanese is typed that way).
    if (e.key === "Enter" && !e.isComposing && e.keyCode !== 229) save.click();
  });
  dialog = modal(
    fill(t.renameTitle, { name: conn.nickname }),
    [h("label", { for: "rename-nickname" }, t.nicknameLabel), input, h("p", { id: "rename-help", class: "hint" }, t.renameHelp), error],
    [button(t.cancel, () => dialog.close()), save],
    "rename-dialog",
  );
  input.select();
  return dialog;
}
