// Settings of one org: its Zoom app (client ID, write-only client secret, public or
// confidential), how the sign-in comes back (redirect mode, with the exact URL to register in the
// Zoom app and the relay page's steps), scopes and endpoints; and where to uninstall the app.
import { h } from "./dom";
import { errorMessage, fill, type Catalog } from "./i18n";
import { asEngineError, ipc, type Capability, type Connection, type Org, type OrgSettings, type RedirectMode } from "./ipc";
import { button, modal } from "./dialogs";
import type { Section } from "./settings-page";

type ModeKind = RedirectMode["kind"];

/** The redirect URL as it must be entered in the Zoom app (mirrors the engine's rule, so that
 * the field follows the mode while the user chooses; the saved org's URL comes from the engine). */
export function redirectUrlFor(kind: ModeKind, relayUrl: string): string {
  switch (kind) {
    case "deep_link":
      return "zoom-connections://oauth/callback";
    case "relay":
      return relayUrl.trim();
    case "loopback":
      return "http://127.0.0.1/oauth/callback";
  }
}

/** Scopes as typed: separated by spaces or commas, duplicates dropped. */
export function parseScopes(raw: string): string[] {
  return [...new Set(raw.split(/[\s,]+/).filter(Boolean))];
}

/** What each capability needs, in the two forms Zoom names scopes (engine: scopes.rs). */
export const CAPABILITY_SCOPES: Record<Capability, { classic: string[]; granular: string[] }> = {
  manage_users: {
    classic: ["user:write:admin"],
    granular: [
      "user:read:user:admin",
      "user:read:list_users:admin",
      "user:write:user:admin",
      "user:update:user:admin",
      "user:update:status:admin",
      "user:delete:user:admin",
    ],
  },
  scim: { classic: ["scim2"], granular: ["scim2:admin"] },
};

/** A blank org for "Add org": a real Zoom app on Zoom's public endpoints. Its redirect is the
 * loopback one, which every Zoom app accepts for a public (PKCE) client; the deep link works
 * only for Meeting SDK apps. */
export function blankOrg(existing: readonly Org[]): Org {
  let n = existing.length + 1;
  while (existing.some((o) => o.id === `org-${n}`)) n++;
  return {
    id: `org-${n}`,
    name: "",
    client_id: "",
    confidential: false,
    auth_base: "https://zoom.us",
    api_base: "https://api.zoom.us",
    redirect: { kind: "loopback" },
    required: ["manage_users"],
    extra_scopes: [],
    sandbox: false,
  };
}

function field(id: string, label: string, input: HTMLElement, help?: string): HTMLElement[] {
  if (help) input.setAttribute("aria-describedby", `${id}-help`);
  return [h("label", { for: id }, label), input, ...(help ? [h("p", { id: `${id}-help`, class: "hint" }, help)] : [])];
}

function text(id: string, value: string, attrs: Record<string, string> = {}): HTMLInputElement {
  const input = h("input", { id, type: "text", "data-testid": id, spellcheck: "false", autocomplete: "off", ...attrs }) as HTMLInputElement;
  input.value = value;
  return input;
}

export interface OrgSection extends Section {
  /** Saves the org (and a typed client secret); null when it was refused, said in the form. */
  save(): Promise<Org | null>;
}

export function renderOrgSettings(t: Catalog, view: OrgSettings): OrgSection {
  const { org } = view;
  const fixed: Record<string, string> = org.sandbox ? { disabled: "" } : {};
  const name = text("org-name", org.name, fixed);
  const clientId = text("client-id", org.client_id, { ...fixed, class: "mono" });
  // Write-only: the field never holds the saved secret; leaving it empty keeps the saved one.
  const secret = h("input", {
    id: "client-secret",
    type: "password",
    autocomplete: "new-password",
    "data-testid": "client-secret",
    placeholder: view.client_secret_saved ? t.secretSavedPlaceholder : t.secretNotSavedPlaceholder,
    ...fixed,
  }) as HTMLInputElement;
  const confidential = h("select", { id: "app-type", "data-testid": "app-type", ...fixed }, ...[
    ["public", t.appTypePublic],
    ["confidential", t.appTypeConfidential],
  ].map(([value, label]) => {
    const o = h("option", { value }, label) as HTMLOptionElement;
    o.selected = (value === "confidential") === org.confidential;
    return o;
  })) as HTMLSelectElement;
  const mode = h("select", { id: "redirect-mode", "data-testid": "redirect-mode" }, ...([
    ["deep_link", t.redirectDeepLink],
    ["relay", t.redirectRelay],
    ["loopback", t.redirectLoopback],
  ] as const).map(([value, label]) => {
    const o = h("option", { value }, label) as HTMLOptionElement;
    o.selected = org.redirect.kind === value;
    return o;
  })) as HTMLSelectElement;
  // Set after the options exist: an option marked selected before it joins its select is not
  // the select's value in every DOM.
  mode.value = org.redirect.kind;
  confidential.value = org.confidential ? "confidential" : "public";
  const relayUrl = text("relay-url", org.redirect.kind === "relay" ? org.redirect.url : "", { placeholder: "https://…", class: "mono" });
  const relayBlock = h("div", { class: "relay-block", "data-testid": "relay-block" },
    ...field("relay-url", t.relayUrlLabel, relayUrl),
    h("ol", { class: "steps", "aria-label": t.relayStepsTitle },
      h("li", {}, t.relayStep1), h("li", {}, t.relayStep2), h("li", {}, t.relayStep3)),
  );
  const redirectOut = h("output", { id: "redirect-url", class: "url", "data-testid": "redirect-url", "aria-live": "polite" }, view.redirect_url);
  const copy = h("button", { type: "button", "data-testid": "copy-redirect" }, t.copy) as HTMLButtonElement;
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(redirectOut.textContent ?? "").then(() => (copy.textContent = t.copied), () => undefined);
  });
  const syncMode = () => {
    relayBlock.hidden = mode.value !== "relay";
    redirectOut.textContent = redirectUrlFor(mode.value as ModeKind, relayUrl.value) || "—";
  };
  mode.addEventListener("change", syncMode);
  relayUrl.addEventListener("input", syncMode);
  syncMode();
  const capabilityLabel: Record<Capability, string> = { manage_users: t.capManageUsers, scim: t.capScim };
  const capabilities = (Object.keys(CAPABILITY_SCOPES) as Capability[]).map((cap) => {
    const box = h("input", { type: "checkbox", id: `cap-${cap}`, "data-testid": `cap-${cap}`, value: cap }) as HTMLInputElement;
    box.checked = (org.required ?? []).includes(cap);
    const forms = CAPABILITY_SCOPES[cap];
    return {
      cap,
      box,
      el: h("div", { class: "capability" },
        h("label", { for: `cap-${cap}` }, box, " ", capabilityLabel[cap]),
        h("p", { class: "hint mono", lang: "en" }, `${forms.classic.join(" ")} | ${forms.granular.join(" ")}`)),
    };
  });
  const scopes = text("scopes", (org.extra_scopes ?? []).join(" "), { class: "mono" });
  const authBase = text("auth-base", org.sandbox ? t.sandboxEndpoint : org.auth_base, { ...fixed, class: "mono" });
  const apiBase = text("api-base", org.sandbox ? t.sandboxEndpoint : org.api_base, { ...fixed, class: "mono" });
  const status = h("p", { class: "notice", role: "status", "data-testid": "org-status" });

  const form = h("section", { class: "settings", "aria-labelledby": "settings-org", "data-testid": "org-settings" },
    h("h2", { id: "settings-org" }, t.settingsOrg.replace("{name}", org.name || t.newOrg)),
    ...(org.sandbox ? [h("p", { class: "banner", role: "note", "data-testid": "sandbox-org-note" }, t.sandboxOrgNote)] : []),
    ...field("org-name", t.orgNameLabel, name),
    ...field("client-id", t.clientIdLabel, clientId),
    ...field("client-secret", t.clientSecretLabel, secret, t.clientSecretHelp),
    ...field("app-type", t.appTypeLabel, confidential, t.appTypeHelp),
    ...field("redirect-mode", t.redirectModeLabel, mode, t.redirectModeHelp),
    relayBlock,
    h("label", { for: "redirect-url" }, t.redirectUrlLabel),
    h("div", { class: "url-row" }, redirectOut, copy),
    h("fieldset", { class: "capabilities", "aria-describedby": "capabilities-help" },
      h("legend", {}, t.requiredLabel),
      ...capabilities.map((c) => c.el),
      h("p", { id: "capabilities-help", class: "hint" }, t.requiredHelp)),
    ...field("scopes", t.scopesLabel, scopes, t.scopesHelp),
    ...field("auth-base", t.authBaseLabel, authBase),
    ...field("api-base", t.apiBaseLabel, apiBase),
    status,
  );

  const collect = (): Org => {
    const kind = mode.value as ModeKind;
    const redirect: RedirectMode = kind === "relay" ? { kind, url: relayUrl.value.trim() } : { kind };
    const next: Org = {
      ...org,
      name: name.value.trim() || org.name,
      client_id: clientId.value.trim(),
      confidential: confidential.value === "confidential",
      redirect,
      required: capabilities.filter((c) => c.box.checked).map((c) => c.cap),
      extra_scopes: parseScopes(scopes.value),
      auth_base: org.sandbox ? org.auth_base : authBase.value.trim(),
      api_base: org.sandbox ? org.api_base : apiBase.value.trim(),
    };
    return next;
  };
  // What the form said when drawn: a change is anything that differs from it, or a secret typed.
  let drawn = JSON.stringify(collect());
  const save = async (): Promise<Org | null> => {
    const next = collect();
    if (!next.name) {
      status.textContent = t.orgNameRequired;
      name.focus();
      return null;
    }
    try {
      const result = await ipc.saveOrg(next, secret.value === "" ? null : secret.value);
      secret.value = "";
      status.textContent = t.saved;
      return result;
    } catch (err) {
      const error = asEngineError(err);
      // The engine's detail (which URL, which field) is English: marked so for screen readers.
      status.replaceChildren(`${errorMessage(t, error.code)}${t.detailOpen}`, h("span", { lang: "en" }, error.message), t.detailClose);
      return null;
    }
  };
  // A blank org being added is a change only once something is typed in it.
  return {
    element: form,
    dirty: () => secret.value !== "" || JSON.stringify(collect()) !== drawn,
    markSaved: () => {
      drawn = JSON.stringify(collect());
    },
    save,
  };
}

/** Where a user removes the app in Zoom, with a button that opens that page in the browser. */
export function renderUninstallHelp(t: Catalog, orgId: string): HTMLElement {
  const status = h("p", { class: "notice", role: "status", "data-testid": "uninstall-status" });
  const open = h("button", { type: "button", "data-testid": "open-added-apps" }, t.openAddedApps) as HTMLButtonElement;
  open.addEventListener("click", () => {
    ipc.openZoomAddedApps(orgId).then(
      (url) => (status.textContent = t.openedInBrowser.replace("{url}", url)),
      (err) => (status.textContent = errorMessage(t, asEngineError(err).code)),
    );
  });
  return h("section", { class: "settings", "aria-labelledby": "uninstall-heading", "data-testid": "uninstall-help" },
    h("h2", { id: "uninstall-heading" }, t.uninstallTitle),
    h("p", {}, t.uninstallExplain),
    h("ol", { class: "steps" }, h("li", {}, t.uninstallStep1), h("li", {}, t.uninstallStep2), h("li", {}, t.uninstallStep3)),
    h("div", { class: "dialog-buttons" }, open),
    status,
  );
}

/** Delete this org: only a Zoom org without connections (deleting those deauthorizes them in
 * Zoom first); the engine refuses otherwise too. */
export function renderRemoveOrg(t: Catalog, org: Org, connections: Connection[], removed: () => void): HTMLElement {
  const left = connections.filter((c) => c.org_id === org.id).length;
  const status = h("p", { class: "notice", role: "status", "data-testid": "remove-org-status" }, left ? fill(t.removeOrgHasConnections, { n: String(left) }) : "");
  const open = button(t.removeOrg, () => {
    let dialog: HTMLDialogElement;
    const error = h("p", { class: "error", role: "alert" });
    const confirm = button(t.removeOrgConfirm, async () => {
      try {
        await ipc.removeOrg(org.id);
        dialog.close();
        removed();
      } catch (e) {
        error.textContent = errorMessage(t, asEngineError(e).code);
      }
    }, { class: "danger", "data-testid": "confirm-remove-org" });
    dialog = modal(fill(t.removeOrgTitle, { name: org.name }), [h("p", {}, t.removeOrgExplain), error], [button(t.cancel, () => dialog.close(), { "data-testid": "cancel-remove-org" }), confirm], "remove-org-dialog");
    (dialog.querySelector('[data-testid="cancel-remove-org"]') as HTMLElement | null)?.focus();
  }, { "data-testid": "remove-org" });
  open.disabled = left > 0;
  if (left) open.setAttribute("aria-describedby", "remove-org-status");
  status.id = "remove-org-status";
  return h("div", { class: "remove-org" }, open, status);
}
