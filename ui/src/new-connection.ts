// New Connection and Reconnect: the nickname (checked inline), then the waiting state while the
// user authorizes in the browser, until the shell reports the flow's end. New Connection can
// also add a Server-to-Server app (its account ID, client ID and secret): no browser, created
// once Zoom mints a token with them.
import { button, modal } from "./dialogs";
import { h } from "./dom";
import { countdown } from "./format";
import { errorMessage, fill, type Catalog } from "./i18n";
import { NICKNAME_MAX, nicknameProblem } from "./nickname";
import type { Notice } from "./connections-page";
import { asEngineError, ipc, type Connection, type EngineError, type FlowEnded, type FlowStarted, type Org } from "./ipc";

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

/** A field with its own error line under it: Zoom's refusal is said where it is to be fixed. */
function field(id: string, label: string, type: string, describedBy: string): [HTMLInputElement, HTMLElement, HTMLElement] {
  const input = h("input", { id, type, autocomplete: "off", spellcheck: "false", "aria-describedby": `${describedBy} ${id}-error`, "data-testid": id }) as HTMLInputElement;
  const error = h("p", { id: `${id}-error`, class: "error field-error", "data-testid": `${id}-error` });
  return [input, h("div", { class: "field" }, h("label", { for: id }, label), input, error), error];
}

/** Which field a refused Server-to-Server app points at (none: the app itself). */
function s2sField(e: EngineError): "account" | "client" | null {
  if (e.reason === "account_unknown" || e.code === "account_in_other_org") return "account";
  if (e.reason === "client_refused" || e.reason === "client_missing") return "client";
  return null;
}

/** Unix seconds on the engine's clock minus the page's, from the last overview: the waiting
 * dialog counts down to the flow's `expires_at`, which is on the engine's clock. */
let engineSkewMs = 0;
export function setEngineClock(engineNowSecs: number) {
  engineSkewMs = engineNowSecs * 1000 - Date.now();
}

/** Where a sign-in goes, said in the waiting dialog. */
export interface SignInContext {
  org?: Org;
  /** The connection being reconnected: Zoom must see its user sign in. */
  reconnectOf?: Connection;
}

export function openNewConnectionDialog(
  t: Catalog,
  orgId: string,
  orgs: Org[],
  existing: Connection[],
  done: (outcome: FlowOutcome) => void,
): HTMLDialogElement {
  // Which org it creates in is always said; with several orgs it can be changed here.
  const orgLabel = (o: Org) => fill(t.orgOption, { name: o.name, kind: o.sandbox ? t.orgKindSandbox : t.orgKindZoom });
  const orgPick = h(
    "select",
    { id: "new-org", "data-testid": "new-org" },
    ...orgs.map((o) => {
      const opt = h("option", { value: o.id }, orgLabel(o)) as HTMLOptionElement;
      opt.selected = o.id === orgId;
      return opt;
    }),
  ) as HTMLSelectElement;
  if (orgs.some((o) => o.id === orgId)) orgPick.value = orgId;
  const chosenOrg = () => (orgs.length > 1 ? orgPick.value : orgId);
  const orgLine =
    orgs.length > 1
      ? h("div", { class: "field" }, h("label", { for: "new-org" }, t.newConnectionOrg), orgPick)
      : h("p", { class: "hint", "data-testid": "new-org" }, fill(t.newConnectionIn, { org: orgs[0] ? orgLabel(orgs[0]) : orgId }));
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
  const [accountId, accountField, accountError] = field("s2s-account-id", t.s2sAccountId, "text", "s2s-help");
  const [clientId, clientField, clientError] = field("s2s-client-id", t.s2sClientId, "text", "s2s-help");
  const [secret, secretField, secretError] = field("s2s-client-secret", t.s2sClientSecret, "password", "s2s-help");
  const fieldErrors = [accountError, clientError, secretError];
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
    const orgId = chosenOrg();
    const problem = nicknameProblem(t, input.value, orgId, existing);
    error.textContent = problem ?? "";
    for (const e of fieldErrors) e.textContent = "";
    for (const f of [input, accountId, clientId, secret]) f.setAttribute("aria-invalid", "false");
    if (problem) {
      input.setAttribute("aria-invalid", "true");
      return input.focus();
    }
    if (s2sKind.checked) {
      const fields = [accountId, clientId, secret];
      const empty = fields.filter((f) => !f.value.trim());
      for (const f of empty) {
        fieldErrors[fields.indexOf(f)].textContent = t.s2sFieldsRequired;
        f.setAttribute("aria-invalid", "true");
      }
      if (empty[0]) return empty[0].focus();
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
      openWaitingDialog(t, flow, done, false, { org: orgs.find((o) => o.id === orgId) });
    } catch (e) {
      create.disabled = false;
      const err = asEngineError(e);
      if (!s2sKind.checked) {
        error.textContent = errorMessage(t, err.code);
        return input.focus();
      }
      // The error on the field it is about; the app's own problems under the fields.
      const at = s2sField(err);
      const target = at === "account" ? accountId : at === "client" ? secret : null;
      if (target) {
        fieldErrors[target === accountId ? 0 : 2].textContent = s2sErrorMessage(t, err);
        target.setAttribute("aria-invalid", "true");
        target.focus();
      } else {
        error.textContent = s2sErrorMessage(t, err);
        create.focus();
      }
    }
  };
  input.addEventListener("keydown", (e) => {
    // Not the Enter that ends an input method's composition (Japanese is typed that way).
    if (e.key === "Enter" && !e.isComposing && e.keyCode !== 229) void submit();
  });
  dialog = modal(
    t.newConnection,
    [
      orgLine,
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
export function openRotateSecretDialog(t: Catalog, conn: Connection, announce: (text: Notice) => void): HTMLDialogElement {
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
      announce((c) => fill(c.rotateSecretDone, { name: conn.nickname }));
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
export async function reconnect(t: Catalog, conn: Connection, org: Org | undefined, done: (o: FlowOutcome) => void, fail: (e: EngineError) => void): Promise<HTMLDialogElement | null> {
  try {
    return openWaitingDialog(t, await ipc.beginConnect(conn.org_id, conn.nickname, conn.id), done, false, { org, reconnectOf: conn });
  } catch (e) {
    fail(asEngineError(e));
    return null;
  }
}

/** The sign-in the waiting dialog shows, if one is open: the window remembers it (main.ts), so
 * that closing the window and opening it again shows the same wait. */
let waiting: string | null = null;
export const waitingFlowId = (): string | null => waiting;
/** Fired on `document` when the waiting dialog opens or closes. */
export const WAITING_CHANGED = "zc-waiting-changed";

/** The waiting dialog again for a sign-in started before the window was closed. */
export const resumeWaiting = (t: Catalog, flow: FlowStarted, done: (o: FlowOutcome) => void, context: SignInContext = {}): HTMLDialogElement =>
  openWaitingDialog(t, flow, done, true, context);

/** What a sign-in's end says when it is not a connection: a refused grant is a refused code. */
function flowError(t: Catalog, e: FlowEnded): string {
  const code = e.error?.code ?? "zoom_error";
  return code === "zoom_invalid_grant" ? t.errorSignInRefused : errorMessage(t, code);
}

/** A sign-in that ended while the window was closed, told by the page that opens next: the new
 * connection (highlighted, with Zoom's superseded one offered for removal), or why it failed. */
export function showFlowEnded(e: FlowEnded, done: (o: FlowOutcome) => void, fail: (text: Notice) => void) {
  if (e.connection_id) done({ connectionId: e.connection_id, superseded: e.superseded });
  else fail((c) => flowError(c, e));
}

function openWaitingDialog(t: Catalog, flow: FlowStarted, done: (o: FlowOutcome) => void, resumed = false, context: SignInContext = {}): HTMLDialogElement {
  // The time left before the sign-in expires, from the flow's own deadline: the same after the
  // window was closed and opened again.
  const deadlineMs = flow.expires_at * 1000 - engineSkewMs;
  const left = h("p", { class: "hint", "aria-live": "off", "data-testid": "time-left" });
  const tick = () => {
    const secs = (deadlineMs - Date.now()) / 1000;
    // At the deadline the sign-in has expired: said, and nothing left to open again.
    left.textContent = secs > 0 ? fill(t.timeLeft, { time: countdown(secs) }) : t.errorFlowExpired;
    if (secs <= 0 && again) again.disabled = true;
  };
  let again: HTMLButtonElement | undefined;
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
  again = button(t.openAgain, () => {
    ipc.reopenSignIn(flow.flow_id).catch((e) => {
      const code = asEngineError(e).code;
      againError.textContent = code === "flow_expired" ? t.errorFlowExpired : t.openAgainFailed;
    });
  }, { "data-testid": "open-again" });
  // Its own line: the flow's outcome (the error line) is not written over.
  const againError = h("p", { class: "error", role: "alert", "data-testid": "open-again-error" });
  const { org, reconnectOf } = context;
  const where = [
    ...(org ? [h("p", { "data-testid": "waiting-org" }, fill(t.waitingOrg, { org: fill(t.orgOption, { name: org.name, kind: org.sandbox ? t.orgKindSandbox : t.orgKindZoom }) }))] : []),
    ...(reconnectOf ? [h("p", { class: "sign-in-as", "data-testid": "sign-in-as" }, fill(t.signInAs, { email: reconnectOf.identity.email, name: reconnectOf.nickname }))] : []),
    ...(org?.sandbox ? [h("p", { class: "banner", "data-testid": "sandbox-who" }, t.waitingSandboxWho)] : []),
  ];
  dialog = modal(
    t.waitingTitle,
    [...where, h("p", {}, t.waitingHelp), h("div", { class: "url-row" }, url, copy), left, againError, ifRefused, error],
    [cancel, again],
    "waiting-dialog",
  );
  again.focus();
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
        // The sign-in has ended: nothing to open again, and no time left to count.
        if (again) again.disabled = true;
        clearInterval(timer);
        left.textContent = "";
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
