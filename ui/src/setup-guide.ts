// The first real connection, step by step: which Zoom app to create and why, the exact scopes
// (with Copy), the redirect URL to register, where the credentials go, then "Check settings",
// which asks Zoom whether it refuses the app, says in words what it refused and how to fix it,
// and, when Zoom raised no error, lists what only the sign-in confirms and starts a real one.
import { h } from "./dom";
import { errorMessage, fill, NETWORK_FAULTS, type Catalog, type StringKey } from "./i18n";
import { asEngineError, ipc, type Capability, type Org, type SetupCheck, type SetupPart, type SetupProblem } from "./ipc";
import { CAPABILITY_SCOPES } from "./org-settings";

/** What only the first sign-in confirms, worded (exhaustive: a new part fails to compile). */
const SETUP_PARTS: Record<SetupPart, StringKey> = {
  redirect_url: "setupPartRedirectUrl",
  app_type: "setupPartAppType",
  scopes: "setupPartScopes",
  client_secret: "setupPartClientSecret",
  role: "setupPartRole",
  scim_account: "setupPartScimAccount",
};

/** The granular scopes a new Zoom app needs for what the org requires (plus its extra ones). */
export function scopesToAdd(org: Org): string[] {
  const required: Capability[] = org.required ?? [];
  const all = required.flatMap((c) => CAPABILITY_SCOPES[c].granular).concat(org.extra_scopes ?? []);
  return [...new Set(all)];
}

/** What Zoom refused, as a sentence and a fix, in the user's language. */
export function describeProblem(t: Catalog, p: SetupProblem): { what: string; fix: string } {
  switch (p.code) {
    case "unknown_client_id":
      return { what: t.setupUnknownClientId, fix: t.setupUnknownClientIdFix };
    case "redirect_not_registered":
      return { what: t.setupRedirectNotRegistered, fix: fill(t.setupRedirectNotRegisteredFix, { url: p.redirect_url }) };
    case "user_managed_app":
      return { what: fill(t.setupUserManagedApp, { scope: p.scope || "…:admin" }), fix: t.setupUserManagedAppFix };
    case "scope_not_on_app":
      return { what: t.setupScopeNotOnApp, fix: t.setupScopeNotOnAppFix };
    case "no_client_secret":
      return { what: t.setupNoClientSecret, fix: t.setupNoClientSecretFix };
    case "unreachable":
      return { what: fill(t.setupUnreachable, { why: t[NETWORK_FAULTS[p.fault]] }), fix: t.setupUnreachableFix };
    case "unrecognized":
      return { what: fill(t.setupUnrecognized, { status: String(p.status), excerpt: p.excerpt }), fix: t.setupUnrecognizedFix };
  }
}

function copyButton(t: Catalog, text: () => string, testId: string): HTMLButtonElement {
  const copy = h("button", { type: "button", "data-testid": testId }, t.copy) as HTMLButtonElement;
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(text()).then(() => (copy.textContent = t.copied), () => undefined);
  });
  return copy;
}

/** The steps to set up a new org's Zoom app (not for the sandbox org, whose app is built in). */
export function renderSetupSteps(t: Catalog, org: Org, redirectUrl: string): HTMLElement {
  const scopes = scopesToAdd(org);
  const classic = (org.required ?? []).flatMap((c) => CAPABILITY_SCOPES[c].classic);
  const scopeList = h("pre", { class: "scope-list mono", lang: "en", "data-testid": "guide-scopes" }, scopes.join("\n"));
  const redirect = h("code", { class: "url", "data-testid": "guide-redirect" }, redirectUrl || "—");
  return h(
    "section",
    { class: "settings guide", "aria-labelledby": "guide-heading", "data-testid": "setup-guide" },
    h("h2", { id: "guide-heading" }, t.guideTitle),
    h("p", {}, t.guideIntro),
    h(
      "ol",
      { class: "guide-steps" },
      h("li", {}, h("h3", {}, t.guideAppTitle), h("p", {}, t.guideAppBody), h("p", { class: "hint" }, t.guideAppWhy)),
      h(
        "li",
        {},
        h("h3", {}, t.guideScopesTitle),
        h("p", {}, t.guideScopesBody),
        scopeList,
        h("div", { class: "dialog-buttons" }, copyButton(t, () => scopes.join(" "), "copy-scopes")),
        h("p", { class: "hint" }, fill(t.guideScopesClassic, { scopes: classic.join(" ") })),
      ),
      h(
        "li",
        {},
        h("h3", {}, t.guideRedirectTitle),
        h("p", {}, t.guideRedirectBody),
        h("div", { class: "url-row" }, redirect, copyButton(t, () => redirectUrl, "copy-guide-redirect")),
      ),
      h("li", {}, h("h3", {}, t.guideCredentialsTitle), h("p", {}, t.guideCredentialsBody)),
      h("li", {}, h("h3", {}, t.guideCheckTitle), h("p", {}, t.guideCheckBody)),
    ),
  );
}

/** "Check settings" for a saved org: Zoom's verdict in words, and on success a way to sign in. */
export function renderCheckSettings(t: Catalog, orgId: string, connect: () => void): HTMLElement {
  const result = h("div", { class: "check-result", role: "status", "aria-live": "polite", "data-testid": "check-result" });
  const check = h("button", { type: "button", "data-testid": "check-settings" }, t.checkSettings) as HTMLButtonElement;
  const show = (c: SetupCheck) => {
    if (!c.problem) {
      const go = h("button", { type: "button", class: "primary", "data-testid": "check-connect" }, t.checkConnect) as HTMLButtonElement;
      go.addEventListener("click", connect);
      // Not "accepted": what Zoom may check only at sign-in is listed as not confirmed yet.
      result.replaceChildren(
        h("p", { class: "ok", "data-testid": "check-ok" }, t.setupNoErrorYet),
        h("p", {}, t.setupAtSignIn),
        h("ul", { "data-testid": "check-at-sign-in" }, ...c.at_sign_in.map((part) => h("li", { "data-part": part }, t[SETUP_PARTS[part]]))),
        h("p", {}, t.setupSignInNext),
        h("div", { class: "dialog-buttons" }, go),
      );
      return;
    }
    const { what, fix } = describeProblem(t, c.problem);
    result.replaceChildren(
      h("p", { class: "error", "data-testid": "check-problem", "data-code": c.problem.code }, what),
      h("p", { "data-testid": "check-fix" }, fix),
    );
  };
  check.addEventListener("click", async () => {
    check.disabled = true;
    result.replaceChildren(h("p", {}, t.checking));
    try {
      show(await ipc.checkOrgSettings(orgId));
    } catch (e) {
      result.replaceChildren(h("p", { class: "error" }, errorMessage(t, asEngineError(e).code)));
    } finally {
      check.disabled = false;
    }
  });
  return h(
    "section",
    { class: "settings", "aria-labelledby": "check-heading", "data-testid": "check-section" },
    h("h2", { id: "check-heading" }, t.checkSettings),
    h("p", { class: "hint" }, t.checkSettingsHelp),
    h("div", { class: "dialog-buttons" }, check),
    result,
  );
}
