// The Settings page: General, Alerts and Orgs, one Save for all of them, and a warning before
// unsaved changes are left behind (Back, another org picked).
import { button, modal } from "./dialogs";
import { h } from "./dom";
import { errorMessage, fill, type Catalog } from "./i18n";
import { asEngineError, ipc, type AppSettings, type Connection, type Org, type OrgSettings, type Overview } from "./ipc";
import { renderOrgSettings, renderRemoveOrg, renderUninstallHelp } from "./org-settings";
import { renderAlerts, renderGeneral, type Section } from "./settings-page";
import { renderCheckSettings, renderSetupSteps } from "./setup-guide";

export interface SettingsViewProps {
  settings: AppSettings;
  overview: Overview | undefined;
  /** The org being edited: its saved settings, or a blank one being added. */
  orgView: OrgSettings | undefined;
  /** The settings were saved (the language may have changed: the page is drawn again, saying `said`). */
  savedSettings(s: AppSettings, said: string, orgAdded: boolean): void;
  /** Said in the Save bar when drawn (what the last Save did, before the page was drawn again). */
  said?: string;
  /** Keeps settings changed outside the Save (the webhook removed) without drawing again. */
  remember(s: AppSettings): void;
  /** Shows another org (`null`: a blank one to add). */
  openOrg(orgId: string | null): void;
  /** The guide's last step: New Connection in that org. */
  connectFromGuide(orgId: string): void;
  orgRemoved(org: Org): void;
}

export interface SettingsView {
  element: HTMLElement;
  /** Runs `then` now, or once the user saved or discarded the changes (a warning first). */
  leave(then: () => void): void;
}

export function renderSettingsView(t: Catalog, props: SettingsViewProps): SettingsView {
  const { settings, overview, orgView } = props;
  const orgs = overview?.orgs ?? [];
  const connections: Connection[] = overview?.connections ?? [];
  const general = renderGeneral(t, settings, orgs.some((o) => !o.sandbox));
  const alerts = renderAlerts(t, settings, props.remember);
  const org = orgView ? renderOrgSettings(t, orgView) : undefined;
  const sections: Section[] = [general, alerts, ...(org ? [org] : [])];
  const dirty = () => sections.some((s) => s.dirty());
  // Known when drawn: the org on screen is one being added (its guide's last steps come once saved).
  const adding = orgView !== undefined && !orgs.some((o) => o.id === orgView.org.id);
  const status = h("p", { class: "notice", role: "status", "data-testid": "settings-status" }, props.said ?? "");

  /** Saves what changed, in one go: the org first (its refusal stops the rest, said in its form),
   * then the app's settings and a typed webhook. True when everything was saved. */
  const saveAll = async (): Promise<boolean> => {
    status.textContent = "";
    if (!dirty()) {
      status.textContent = t.nothingToSave;
      return true;
    }
    const next = general.collect(alerts);
    if (!next) return false;
    save.disabled = true;
    // Each part is marked saved as it is: a later failure leaves only what failed unsaved.
    let orgSaved = false;
    try {
      if (org?.dirty()) {
        const saved = await org.save();
        if (!saved) {
          // Said under the org's fields, which may be out of sight: the bar points there.
          status.textContent = t.saveRefusedOrg;
          return false;
        }
        org.markSaved();
        orgSaved = true;
      }
      let result = settings;
      if (general.dirty() || alerts.switchesDirty()) {
        result = await ipc.saveSettings(next);
        general.markSaved();
        alerts.markSaved();
      }
      const hook = alerts.typedWebhook();
      if (hook) {
        result = await ipc.setAlertWebhook(hook);
        alerts.webhookSaved(result);
      }
      status.textContent = t.savedAll;
      props.savedSettings(result, t.savedAll, adding && orgSaved);
      return true;
    } catch (err) {
      status.textContent = errorMessage(t, asEngineError(err).code);
      return false;
    } finally {
      save.disabled = false;
    }
  };
  const save = button(t.save, () => void saveAll(), { class: "primary", "data-testid": "save-settings" });

  const leave = (then: () => void) => {
    if (!dirty()) return then();
    let dialog: HTMLDialogElement;
    dialog = modal(
      t.unsavedTitle,
      [h("p", {}, t.unsavedExplain)],
      [
        button(t.unsavedStay, () => dialog.close(), { "data-testid": "unsaved-stay" }),
        button(t.unsavedDiscard, () => (dialog.close(), then()), { "data-testid": "unsaved-discard" }),
        button(t.unsavedSave, () => {
          dialog.close();
          void saveAll().then((ok) => ok && then());
        }, { class: "primary", "data-testid": "unsaved-save" }),
      ],
      "unsaved-dialog",
    );
    (dialog.querySelector('[data-testid="unsaved-stay"]') as HTMLElement | null)?.focus();
  };

  const picker = h(
    "select",
    { id: "settings-org-picker", "data-testid": "settings-org-picker" },
    ...orgs.map((o) => {
      const opt = h("option", { value: o.id }, fill(t.orgOption, { name: o.name, kind: o.sandbox ? t.orgKindSandbox : t.orgKindZoom })) as HTMLOptionElement;
      opt.selected = o.id === orgView?.org.id;
      return opt;
    }),
    (() => {
      const opt = h("option", { value: "__add__" }, t.addOrg) as HTMLOptionElement;
      opt.selected = !orgs.some((o) => o.id === orgView?.org.id);
      return opt;
    })(),
  ) as HTMLSelectElement;
  picker.addEventListener("change", () => {
    const wanted = picker.value;
    // Put back until the user decides: the form on screen is still the old org's.
    picker.value = orgs.some((o) => o.id === orgView?.org.id) ? (orgView?.org.id ?? "__add__") : "__add__";
    leave(() => props.openOrg(wanted === "__add__" ? null : wanted));
  });
  const saved = orgView && orgs.some((o) => o.id === orgView.org.id);
  const orgSection = h(
    "section",
    { class: "settings-orgs", "aria-labelledby": "settings-orgs-heading", "data-testid": "settings-orgs" },
    h("h2", { id: "settings-orgs-heading" }, t.settingsOrgs),
    h("div", { class: "org-picker" }, h("label", { for: "settings-org-picker" }, t.orgPickerLabel), picker),
    ...(orgView
      ? [
          ...(orgView.org.sandbox ? [] : [renderSetupSteps(t, orgView.org, orgView.redirect_url)]),
          org!.element,
          ...(saved
            ? [
                renderCheckSettings(t, orgView.org.id, () => props.connectFromGuide(orgView.org.id)),
                renderUninstallHelp(t, orgView.org.id),
                // The removed org's form has nothing left to save; the rest is asked about.
                ...(orgView.org.sandbox ? [] : [renderRemoveOrg(t, orgView.org, connections, () => (org?.markSaved(), props.orgRemoved(orgView.org)))]),
              ]
            : []),
        ]
      : []),
  );
  const element = h(
    "main",
    { class: "page", "aria-labelledby": "settings-heading" },
    h(
      "header",
      { class: "page-header" },
      h("h1", { id: "settings-heading" }, t.settings),
      h("button", { type: "button", "data-action": "back", "data-testid": "back" }, t.backToConnections),
    ),
    // Sandbox words only while the sandbox org is the one on screen.
    ...(orgView?.org.sandbox ? [h("p", { class: "banner", role: "note", "data-testid": "sandbox-banner" }, t.sandboxBanner)] : []),
    h("div", { class: "settings-grid" }, h("div", { class: "settings-column" }, general.element, alerts.element), h("div", { class: "settings-column" }, orgSection)),
    // The one Save, always in sight at the bottom of the window.
    h("div", { class: "save-bar" }, status, save),
  );
  return { element, leave };
}
