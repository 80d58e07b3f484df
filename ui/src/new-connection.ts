// New Connection and Reconnect: the nickname (checked inline), then the waiting state while the
// user authorizes in the browser, until the shell reports the flow's end.
import { button, modal } from "./dialogs";
import { h } from "./dom";
import { errorMessage, fill, type Catalog } from "./i18n";
import { asEngineError, ipc, type Connection, type FlowEnded, type FlowStarted } from "./ipc";

export const NICKNAME_MAX = 64;

/** The inline error for a nickname, or null when it can be submitted (the engine checks again). */
export function nicknameProblem(t: Catalog, raw: string, orgId: string, existing: Connection[]): string | null {
  const name = raw.trim();
  if (name.length === 0) return t.nicknameRequired;
  if ([...name].length > NICKNAME_MAX) return t.nicknameTooLong;
  if (existing.some((c) => c.org_id === orgId && c.nickname.toLowerCase() === name.toLowerCase())) return t.nicknameTaken;
  return null;
}

export interface FlowOutcome {
  connectionId: string;
  superseded: string | null;
}

/** Delivers this flow's end to `handler` until `dialog` closes. */
function awaitFlow(dialog: HTMLDialogElement, flowId: string, handler: (e: FlowEnded) => void) {
  const unlisten = ipc.onFlowEnded((e) => {
    if (e.flow_id === flowId) handler(e);
  });
  dialog.addEventListener("close", () => void unlisten.then((stop) => stop()).catch(() => undefined));
}

export function openNewConnectionDialog(
  t: Catalog,
  orgId: string,
  existing: Connection[],
  done: (outcome: FlowOutcome) => void,
): HTMLDialogElement {
  const input = h("input", {
    id: "nickname",
    name: "nickname",
    type: "text",
    required: "",
    maxlength: String(NICKNAME_MAX * 2),
    "aria-describedby": "nickname-help nickname-error",
    autocomplete: "off",
    "data-testid": "nickname",
  }) as HTMLInputElement;
  const error = h("p", { id: "nickname-error", class: "error", role: "alert", "data-testid": "nickname-error" });
  let dialog: HTMLDialogElement;
  const create = button(t.create, () => void submit(), { class: "primary", "data-testid": "create" });
  const submit = async () => {
    const problem = nicknameProblem(t, input.value, orgId, existing);
    error.textContent = problem ?? "";
    input.setAttribute("aria-invalid", problem ? "true" : "false");
    if (problem) return input.focus();
    create.disabled = true;
    try {
      const flow = await ipc.beginConnect(orgId, input.value.trim());
      dialog.close();
      openWaitingDialog(t, flow, done);
    } catch (e) {
      create.disabled = false;
      error.textContent = errorMessage(t, asEngineError(e).code);
      input.focus();
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void submit();
  });
  dialog = modal(
    t.newConnection,
    [
      h("label", { for: "nickname" }, t.nicknameLabel),
      input,
      h("p", { id: "nickname-help", class: "hint" }, t.nicknameHelp),
      error,
    ],
    [button(t.cancel, () => dialog.close()), create],
    "new-connection-dialog",
  );
  input.focus();
  return dialog;
}

/** Reconnect in place: straight to the waiting state. */
export async function reconnect(t: Catalog, conn: Connection, done: (o: FlowOutcome) => void, fail: (text: string) => void) {
  try {
    openWaitingDialog(t, await ipc.beginConnect(conn.org_id, conn.nickname, conn.id), done);
  } catch (e) {
    fail(errorMessage(t, asEngineError(e).code));
  }
}

function openWaitingDialog(t: Catalog, flow: FlowStarted, done: (o: FlowOutcome) => void): HTMLDialogElement {
  const started = Date.now();
  const elapsed = h("p", { class: "hint", "aria-live": "off", "data-testid": "elapsed" });
  const tick = () => {
    const s = Math.floor((Date.now() - started) / 1000);
    elapsed.textContent = `${t.elapsed} ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
  tick();
  const timer = setInterval(tick, 1000);
  const url = h("input", { type: "text", readonly: "", value: flow.authorize_url, "aria-label": t.waitingHelp, "data-testid": "authorize-url", class: "url" }) as HTMLInputElement;
  const error = h("p", { class: "error", role: "alert", "data-testid": "flow-error" });
  const copy = button(t.copy, async () => {
    url.select();
    await navigator.clipboard?.writeText(flow.authorize_url).catch(() => undefined);
    copy.textContent = t.copied;
  });
  let dialog: HTMLDialogElement;
  const cancel = button(t.cancel, () => {
    void ipc.cancelFlow(flow.flow_id).catch(() => undefined);
    dialog.close();
  }, { "data-testid": "cancel-flow" });
  dialog = modal(t.waitingTitle, [h("p", {}, t.waitingHelp), h("div", { class: "url-row" }, url, copy), elapsed, error], [cancel], "waiting-dialog");
  dialog.addEventListener("close", () => clearInterval(timer));
  awaitFlow(dialog, flow.flow_id, (e) => {
    if (e.connection_id) {
      dialog.close();
      done({ connectionId: e.connection_id, superseded: e.superseded });
    } else {
      // At a sign-in, a refused grant is a refused code, not a connection to reconnect.
      const code = e.error?.code ?? "zoom_error";
      error.textContent = code === "zoom_invalid_grant" ? t.errorSignInRefused : errorMessage(t, code);
      cancel.textContent = t.close;
    }
  });
  return dialog;
}

/** Rule 1 explained: Zoom invalidated the older connection of the same user; offer to remove it. */
export function openSupersededDialog(t: Catalog, older: Connection, remove: () => void): HTMLDialogElement {
  let dialog: HTMLDialogElement;
  dialog = modal(
    t.statusSuperseded,
    [h("p", {}, fill(t.supersededExplain, { old: older.nickname }))],
    [button(t.keepOlder, () => dialog.close()), button(t.removeOlder, () => (dialog.close(), remove()), { class: "danger" })],
    "superseded-dialog",
  );
  return dialog;
}
