// New Connection and Reconnect: the nickname (checked inline), then the waiting state while the
// user authorizes in the browser, until the shell reports the flow's end. New Connection can
// also add a Server-to-Server app (its account ID, client ID and secret): no browser, created
// once Zoom mints a token with them.
import { button, modal } from "./dialogs";
import { h } from "./dom";
import { errorMessage, fill, type Catalog } from "./i18n";
import { asEngineError, ipc, type Connection, type EngineError, type FlowEnded, type FlowStarted } from "./ipc";

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

/** Delivers this flow's end to `handler` (once) until `dialog` closes. A dialog put back in a
 * new page asks the shell again once it listens: the end may have come in between. */
function awaitFlow(dialog: HTMLDialogElement, flowId: string, handler: (e: FlowEnded) => void, resumed = false) {
  let delivered = false;
  const deliver = (e: FlowEnded | null | undefined) => {
    if (!e || e.flow_id !== flowId || delivered || !dialog.open) return;
    delivered = true;
    handler(e);
  };
  const unlisten = ipc.onFlowEnded(deliver);
  if (resumed) {
    void unlisten
      .then(() => ipc.recallView())
      .then((r) => deliver(r?.ended))
      .catch(() => undefined);
  }
  dialog.addEventListener("close", () => void unlisten.then((stop) => stop()).catch(() => undefined));
}

/** What a refused Server-to-Server app means, in the user's language: by Zoom's typed reason
 * when there is one, else by the error's code. */
export function s2sErrorMessage(t: Catalog, e: EngineError): string {
  switch (e.reason) {
    case "account_unknown":
      return t.s2sAccountUnknown;
    case "app_disabled":
      return t.s2sAppDisabled;
    case "client_refused":
    case "client_missing":
      return t.s2sClientRefused;
    case "grant_type_unsupported":
      return t.s2sNotS2s;
  }
  return e.code === "missing_scope" ? t.s2sMissingScope : errorMessage(t, e.code);
}

function field(id: string, label: string, type: string, describedBy: string): [HTMLInputElement, HTMLElement] {
  const input = h("input", { id, type, autocomplete: "off", spellcheck: "false", "aria-describedby": describedBy, "data-testid": id }) as HTMLInputElement;
  return [input, h("div", { class: "field" }, h("label", { for: id }, label), input)];
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
  const kind = (value: string, label: string, checked: boolean) => {
    const radio = h("input", { type: "radio", name: "kind", id: `kind-${value}`, value, "data-testid": `kind-${value}` }) as HTMLInputElement;
    radio.checked = checked;
    return [radio, h("div", { class: "field-check" }, radio, h("label", { for: `kind-${value}` }, label))] as const;
  };
  const [userKind, userKindField] = kind("user", t.kindUser, true);
  const [s2sKind, s2sKindField] = kind("s2s", t.kindS2s, false);
  const [accountId, accountField] = field("s2s-account-id", t.s2sAccountId, "text", "s2s-help");
  const [clientId, clientField] = field("s2s-client-id", t.s2sClientId, "text", "s2s-help");
  const [secret, secretField] = field("s2s-client-secret", t.s2sClientSecret, "password", "s2s-help");
  const s2sFields = h("div", { class: "s2s-fields", "data-testid": "s2s-fields" }, accountField, clientField, secretField, h("p", { id: "s2s-help", class: "hint" }, t.s2sHelp));
  const showKind = () => {
    s2sFields.hidden = !s2sKind.checked;
  };
  showKind();
  userKind.addEventListener("change", showKind);
  s2sKind.addEventListener("change", showKind);
  let dialog: HTMLDialogElement;
  const create = button(t.create, () => void submit(), { class: "primary", "data-testid": "create" });
  const submit = async () => {
    const problem = nicknameProblem(t, input.value, orgId, existing);
    error.textContent = problem ?? "";
    input.setAttribute("aria-invalid", problem ? "true" : "false");
    if (problem) return input.focus();
    if (s2sKind.checked) {
      const empty = [accountId, clientId, secret].find((f) => !f.value.trim());
      if (empty) {
        error.textContent = t.s2sFieldsRequired;
        return empty.focus();
      }
    }
    create.disabled = true;
    try {
      if (s2sKind.checked) {
        const conn = await ipc.createS2sConnection(
          { org_id: orgId, nickname: input.value.trim(), account_id: accountId.value.trim(), client_id: clientId.value.trim() },
          secret.value,
        );
        secret.value = "";
        dialog.close();
        done({ connectionId: conn.id, superseded: null });
        return;
      }
      const flow = await ipc.beginConnect(orgId, input.value.trim());
      dialog.close();
      openWaitingDialog(t, flow, done);
    } catch (e) {
      create.disabled = false;
      const err = asEngineError(e);
      error.textContent = s2sKind.checked ? s2sErrorMessage(t, err) : errorMessage(t, err.code);
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
      h("fieldset", { class: "kind" }, h("legend", {}, t.connectionKind), userKindField, s2sKindField),
      s2sFields,
      error,
    ],
    [button(t.cancel, () => dialog.close()), create],
    "new-connection-dialog",
  );
  input.focus();
  return dialog;
}

/** Rotate secret: a new client secret, kept only once Zoom mints a token with it. */
export function openRotateSecretDialog(t: Catalog, conn: Connection, announce: (text: string) => void): HTMLDialogElement {
  const [secret, secretField] = field("rotate-secret", t.s2sClientSecret, "password", "rotate-help");
  const error = h("p", { class: "error", role: "alert", "data-testid": "rotate-error" });
  let dialog: HTMLDialogElement;
  const save = button(t.save, async () => {
    if (!secret.value.trim()) {
      error.textContent = t.s2sFieldsRequired;
      return secret.focus();
    }
    save.disabled = true;
    try {
      await ipc.rotateS2sSecret(conn.id, secret.value);
      secret.value = "";
      dialog.close();
      announce(fill(t.rotateSecretDone, { name: conn.nickname }));
    } catch (e) {
      save.disabled = false;
      error.textContent = s2sErrorMessage(t, asEngineError(e));
      secret.focus();
    }
  }, { class: "primary", "data-testid": "save-secret" });
  dialog = modal(
    t.rotateSecretTitle,
    [h("p", { id: "rotate-help" }, t.rotateSecretExplain), secretField, error],
    [button(t.cancel, () => dialog.close()), save],
    "rotate-secret-dialog",
  );
  secret.focus();
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

/** The sign-in the waiting dialog shows, if one is open: the window remembers it (main.ts), so
 * that closing the window and opening it again shows the same wait. */
let waiting: string | null = null;
export const waitingFlowId = (): string | null => waiting;
/** Fired on `document` when the waiting dialog opens or closes. */
export const WAITING_CHANGED = "zc-waiting-changed";

/** The waiting dialog again for a sign-in started before the window was closed. */
export const resumeWaiting = (t: Catalog, flow: FlowStarted, done: (o: FlowOutcome) => void): HTMLDialogElement => openWaitingDialog(t, flow, done, true);

/** What a sign-in's end says when it is not a connection: a refused grant is a refused code. */
function flowError(t: Catalog, e: FlowEnded): string {
  const code = e.error?.code ?? "zoom_error";
  return code === "zoom_invalid_grant" ? t.errorSignInRefused : errorMessage(t, code);
}

/** A sign-in that ended while the window was closed, told by the page that opens next: the new
 * connection (highlighted, with Zoom's superseded one offered for removal), or why it failed. */
export function showFlowEnded(t: Catalog, e: FlowEnded, done: (o: FlowOutcome) => void, fail: (text: string) => void) {
  if (e.connection_id) done({ connectionId: e.connection_id, superseded: e.superseded });
  else fail(flowError(t, e));
}

function openWaitingDialog(t: Catalog, flow: FlowStarted, done: (o: FlowOutcome) => void, resumed = false): HTMLDialogElement {
  const started = Date.now();
  const elapsed = h("p", { class: "hint", "aria-live": "off", "data-testid": "elapsed" });
  const tick = () => {
    const s = Math.floor((Date.now() - started) / 1000);
    elapsed.textContent = `${t.elapsed} ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
  tick();
  const timer = setInterval(tick, 1000);
  const url = h("input", { type: "text", readonly: "", value: flow.authorize_url, "aria-label": t.authorizeUrlLabel, "data-testid": "authorize-url", class: "url" }) as HTMLInputElement;
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
  // Zoom's own page may stop the sign-in (a Member at an admin-managed app, a redirect URL it
  // refuses only after sign-in): nothing then comes back, so the dialog says what that means.
  const ifRefused = h("p", { class: "hint", "data-testid": "waiting-if-refused" }, t.waitingIfRefused);
  dialog = modal(t.waitingTitle, [h("p", {}, t.waitingHelp), h("div", { class: "url-row" }, url, copy), elapsed, ifRefused, error], [cancel], "waiting-dialog");
  dialog.addEventListener("close", () => {
    clearInterval(timer);
    if (waiting === flow.flow_id) waiting = null;
    document.dispatchEvent(new Event(WAITING_CHANGED));
  });
  waiting = flow.flow_id;
  document.dispatchEvent(new Event(WAITING_CHANGED));
  awaitFlow(
    dialog,
    flow.flow_id,
    (e) => {
      if (e.connection_id) {
        dialog.close();
        done({ connectionId: e.connection_id, superseded: e.superseded });
      } else {
        // At a sign-in, a refused grant is a refused code, not a connection to reconnect.
        error.textContent = flowError(t, e);
        cancel.textContent = t.close;
      }
    },
    resumed,
  );
  return dialog;
}

/** Rule 1 explained: Zoom invalidated the older connection of the same user; offer to remove it. */
export function openSupersededDialog(t: Catalog, older: Connection, remove: () => void): HTMLDialogElement {
  let dialog: HTMLDialogElement;
  dialog = modal(
    t.statusSuperseded,
    [h("p", {}, fill(t.supersededExplain, { old: older.nickname }))],
    [button(t.keepOlder, () => dialog.close(), { "data-testid": "keep-older" }), button(t.removeOlder, () => (dialog.close(), remove()), { class: "danger", "data-testid": "remove-older" })],
    "superseded-dialog",
  );
  return dialog;
}
