// Settings of the app as a whole: keepalive margin, notifications, launch at login, language,
// and the alerts beyond the desktop (docs/cli.md, Alerts).
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

/** `saved` redraws the page (the language may have changed); `remember` only keeps the new
 * settings, for changes that must not redraw the form under the user (the webhook's status). */
export function renderSettingsPage(
  t: Catalog,
  settings: AppSettings,
  saved: (s: AppSettings) => void,
  remember: (s: AppSettings) => void = () => {},
): HTMLElement {
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
  const [notifications, notificationsField] = checkbox("notifications", t.notificationsLabel, settings.notifications);
  const [launch, launchField] = checkbox("launch-at-login", t.launchAtLoginLabel, settings.launch_at_login);
  const [syslog, syslogField] = checkbox("syslog-alerts", t.syslogLabel, settings.syslog_alerts);
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
  const status = h("p", { class: "notice", role: "status", "data-testid": "settings-status" });
  const save = h("button", { type: "submit", class: "primary", "data-testid": "save-settings" }, t.save) as HTMLButtonElement;
  const form = h(
    "form",
    { class: "settings", "aria-labelledby": "settings-app", novalidate: "" },
    h("h2", { id: "settings-app" }, t.settingsApp),
    h("label", { for: "margin" }, t.marginLabel),
    margin,
    h("p", { id: "margin-help", class: "hint" }, t.marginHelp),
    marginError,
    notificationsField,
    launchField,
    h("label", { for: "language" }, t.languageLabel),
    language,
    syslogField,
    h("div", { class: "dialog-buttons" }, save),
    status,
  ) as HTMLFormElement;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const minutes = parseMargin(margin.value);
    marginError.textContent = minutes === null ? t.marginInvalid : "";
    margin.setAttribute("aria-invalid", minutes === null ? "true" : "false");
    if (minutes === null) return margin.focus();
    save.disabled = true;
    try {
      const next = await ipc.saveSettings({
        refresh_margin_secs: minutes * 60,
        notifications: notifications.checked,
        launch_at_login: launch.checked,
        language: language.value || null,
        syslog_alerts: syslog.checked,
        // Set only through its own form below; the engine keeps the one it has.
        webhook: settings.webhook,
      });
      status.textContent = t.saved;
      saved(next);
    } catch (err) {
      status.textContent = errorMessage(t, asEngineError(err).code);
    } finally {
      save.disabled = false;
    }
  });
  return h("div", {}, form, renderAlerts(t, settings, remember));
}

const KIND_LABEL: Record<WebhookKind, "webhookKindSlack" | "webhookKindTeams" | "webhookKindJson"> = {
  slack: "webhookKindSlack",
  teams: "webhookKindTeams",
  json: "webhookKindJson",
};

/** The webhook: write-only (its URL is a credential and stays in the keychain), with a test. */
function renderAlerts(t: Catalog, settings: AppSettings, remember: (s: AppSettings) => void): HTMLElement {
  const current = h("p", { "data-testid": "webhook-current" });
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
  const saveHook = h("button", { type: "submit", "data-testid": "save-webhook" }, t.webhookSave) as HTMLButtonElement;
  const remove = h("button", { type: "button", "data-testid": "remove-webhook" }, t.webhookRemove) as HTMLButtonElement;
  const test = h("button", { type: "button", "data-testid": "test-alert" }, t.testAlert) as HTMLButtonElement;
  showCurrent(settings);
  const busy = async (work: () => Promise<void>) => {
    for (const b of [saveHook, remove, test]) b.disabled = true;
    try {
      await work();
    } catch (err) {
      status.textContent = errorMessage(t, asEngineError(err).code);
    } finally {
      for (const b of [saveHook, remove, test]) b.disabled = false;
    }
  };
  const form = h(
    "form",
    { class: "settings", "aria-labelledby": "settings-alerts", novalidate: "" },
    h("h2", { id: "settings-alerts" }, t.alertsHeading),
    h("p", { class: "hint" }, t.alertsHelp),
    current,
    h("label", { for: "webhook-url" }, t.webhookLabel),
    url,
    h("p", { id: "webhook-help", class: "hint" }, t.webhookHelp),
    h("div", { class: "dialog-buttons" }, test, remove, saveHook),
    status,
  ) as HTMLFormElement;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!url.value.trim()) return url.focus();
    void busy(async () => {
      const next = await ipc.setAlertWebhook(url.value.trim());
      url.value = "";
      showCurrent(next);
      status.textContent = t.webhookSaved;
      remember(next);
    });
  });
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
  return form;
}
