// Settings of the app as a whole: keepalive margin, notifications, launch at login, language.
import { h } from "./dom";
import { errorMessage, type Catalog } from "./i18n";
import { asEngineError, ipc, type AppSettings } from "./ipc";

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

export function renderSettingsPage(t: Catalog, settings: AppSettings, saved: (s: AppSettings) => void): HTMLElement {
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
      });
      status.textContent = t.saved;
      saved(next);
    } catch (err) {
      status.textContent = errorMessage(t, asEngineError(err).code);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
