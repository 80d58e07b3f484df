// Settings of the app as a whole, in two sections of the Settings page: General (keepalive
// margin, language, launch at login, the sandbox org shown or not) and Alerts (desktop
// notifications, the system log, the webhook: docs/cli.md, Alerts). They have no Save of their
// own: the page's one Save (settings-view.ts) saves every section that changed.
import { h } from "./dom";
import { errorMessage, fill, type Catalog } from "./i18n";
import { asEngineError, ipc, type AppSettings, type WebhookKind } from "./ipc";

/** The margin in minutes from the field, or null when it is not a whole number from 1 to 50. */
export function parseMargin(raw: string): number | null {
  const n = Number(raw.trim());
  return Number.isInteger(n) && n >= 1 && n <= 50 ? n : null;
}

function checkbox(id: string, label: string, checked: boolean): [HTMLInputElement, HTMLElement] {
  const input = h("input", { id, type: "checkbox", "data-testid": id }) as HTMLInputElement;
  input.checked = checked;
  return [input, h("div", { class: "field-check" }, input, h("label", { for: id }, label))];
}

/** A section of the Settings page that the page's one Save saves. */
export interface Section {
  element: HTMLElement;
  /** Whether the form differs from what is saved. */
  dirty(): boolean;
  /** What the form says now is what is saved (after the page's Save). */
  markSaved(): void;
}

export interface GeneralSection extends Section {
  /** The settings as the General and Alerts forms say, or null (and the field marked) when the
   * margin is not valid. */
  collect(alerts: AlertsSection): AppSettings | null;
}

export function renderGeneral(t: Catalog, settings: AppSettings, realOrgExists: boolean): GeneralSection {
  const margin = h("input", {
    id: "margin",
    type: "number",
    min: "1",
    max: "50",
    step: "1",
    value: String(Math.round(settings.refresh_margin_secs / 60)),
    "aria-describedby": "margin-help margin-error",
    "data-testid": "margin",
  }) as HTMLInputElement;
  const marginError = h("p", { id: "margin-error", class: "error", role: "alert", "data-testid": "margin-error" });
  const [launch, launchField] = checkbox("launch-at-login", t.launchAtLoginLabel, settings.launch_at_login);
  const [hideSandbox, hideSandboxField] = checkbox("hide-sandbox", t.hideSandboxLabel, settings.hide_sandbox ?? false);
  const language = h(
    "select",
    { id: "language", "data-testid": "language" },
    ...[
      ["", t.languageSystem],
      ["en", "English"],
      ["ja", "日本語"],
    ].map(([value, label]) => {
      const o = h("option", { value }, label) as HTMLOptionElement;
      o.selected = (settings.language ?? "") === value;
      return o;
    }),
  ) as HTMLSelectElement;
  // Set once its options are in it (an option marked selected before it joins its select is not
  // the select's value in every DOM).
  language.value = settings.language ?? "";
  const element = h(
    "section",
    { class: "settings", "aria-labelledby": "settings-app", "data-testid": "settings-general" },
    h("h2", { id: "settings-app" }, t.settingsApp),
    h("label", { for: "margin" }, t.marginLabel),
    margin,
    h("p", { id: "margin-help", class: "hint" }, t.marginHelp),
    marginError,
    h("label", { for: "language" }, t.languageLabel),
    language,
    launchField,
    // Hiding the sandbox makes sense only once there is a Zoom org to show instead.
    ...(realOrgExists || settings.hide_sandbox ? [hideSandboxField] : []),
  );
  const current = () => ({
    margin: margin.value.trim(),
    launch: launch.checked,
    language: language.value || null,
    hideSandbox: hideSandbox.checked,
  });
  let saved = JSON.stringify({ margin: String(Math.round(settings.refresh_margin_secs / 60)), launch: settings.launch_at_login, language: settings.language ?? null, hideSandbox: settings.hide_sandbox ?? false });
  return {
    element,
    dirty: () => JSON.stringify(current()) !== saved,
    markSaved: () => {
      saved = JSON.stringify(current());
    },
    collect(alerts) {
      const minutes = parseMargin(margin.value);
      marginError.textContent = minutes === null ? t.marginInvalid : "";
      margin.setAttribute("aria-invalid", minutes === null ? "true" : "false");
      if (minutes === null) {
        margin.focus();
        return null;
      }
      return {
        refresh_margin_secs: minutes * 60,
        launch_at_login: launch.checked,
        language: language.value || null,
        hide_sandbox: hideSandbox.checked,
        ...alerts.switches(),
        // Set only through the webhook's own call; the engine keeps the one it has.
        webhook: settings.webhook,
      };
    },
  };
}

const KIND_LABEL: Record<WebhookKind, "webhookKindSlack" | "webhookKindTeams" | "webhookKindJson"> = {
  slack: "webhookKindSlack",
  teams: "webhookKindTeams",
  json: "webhookKindJson",
};

export interface AlertsSection extends Section {
  switches(): { notifications: boolean; syslog_alerts: boolean };
  /** The switches changed (the webhook URL is saved by its own call). */
  switchesDirty(): boolean;
  /** A webhook URL typed and not yet saved. */
  typedWebhook(): string | null;
  /** After the page's Save: the field emptied, the current webhook said. */
  webhookSaved(s: AppSettings): void;
}

/** Alerts: desktop notifications, the system log, and the webhook — write-only (its URL is a
 * credential and stays in the keychain), removable and testable at once, saved by the page's Save. */
export function renderAlerts(t: Catalog, settings: AppSettings, remember: (s: AppSettings) => void): AlertsSection {
  const [notifications, notificationsField] = checkbox("notifications", t.notificationsLabel, settings.notifications);
  const [syslog, syslogField] = checkbox("syslog-alerts", t.syslogLabel, settings.syslog_alerts);
  const current = h("p", { "data-testid": "webhook-current" });
  const remove = h("button", { type: "button", "data-testid": "remove-webhook" }, t.webhookRemove) as HTMLButtonElement;
  const showCurrent = (s: AppSettings) => {
    current.textContent = s.webhook ? fill(t.webhookCurrent, { host: s.webhook.host, kind: t[KIND_LABEL[s.webhook.kind]] }) : t.webhookNone;
    remove.hidden = !s.webhook;
  };
  const url = h("input", {
    id: "webhook-url",
    type: "url",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "https://hooks.slack.com/services/…",
    "aria-describedby": "webhook-help",
    "data-testid": "webhook-url",
  }) as HTMLInputElement;
  const status = h("p", { class: "notice", role: "status", "data-testid": "alerts-status" });
  const test = h("button", { type: "button", "data-testid": "test-alert" }, t.testAlert) as HTMLButtonElement;
  showCurrent(settings);
  const busy = async (work: () => Promise<void>) => {
    for (const b of [remove, test]) b.disabled = true;
    try {
      await work();
    } catch (err) {
      status.textContent = errorMessage(t, asEngineError(err).code);
    } finally {
      for (const b of [remove, test]) b.disabled = false;
    }
  };
  const element = h(
    "section",
    { class: "settings", "aria-labelledby": "settings-alerts", "data-testid": "settings-alerts" },
    h("h2", { id: "settings-alerts" }, t.alertsHeading),
    h("p", { class: "hint" }, t.alertsHelp),
    notificationsField,
    syslogField,
    current,
    h("label", { for: "webhook-url" }, t.webhookLabel),
    url,
    h("p", { id: "webhook-help", class: "hint" }, t.webhookHelp),
    h("div", { class: "dialog-buttons" }, test, remove),
    status,
  );
  remove.addEventListener("click", () =>
    busy(async () => {
      const next = await ipc.setAlertWebhook(null);
      showCurrent(next);
      status.textContent = t.webhookRemoved;
      remember(next);
    }),
  );
  test.addEventListener("click", () =>
    busy(async () => {
      const sent = await ipc.sendTestAlert();
      const parts = [t.testAlertSent];
      if (sent.webhook_status !== null) parts.push(fill(t.testAlertWebhook, { status: String(sent.webhook_status) }));
      if (sent.syslog !== null) parts.push(sent.syslog ? t.testAlertSyslog : t.testAlertNoSyslog);
      status.textContent = parts.join(" ");
    }),
  );
  let saved = { notifications: settings.notifications, syslog: settings.syslog_alerts };
  return {
    element,
    dirty: () => notifications.checked !== saved.notifications || syslog.checked !== saved.syslog || url.value.trim() !== "",
    switchesDirty: () => notifications.checked !== saved.notifications || syslog.checked !== saved.syslog,
    markSaved: () => {
      saved = { notifications: notifications.checked, syslog: syslog.checked };
    },
    switches: () => ({ notifications: notifications.checked, syslog_alerts: syslog.checked }),
    typedWebhook: () => url.value.trim() || null,
    webhookSaved(s) {
      url.value = "";
      showCurrent(s);
      status.textContent = t.webhookSaved;
      remember(s);
    },
  };
}
