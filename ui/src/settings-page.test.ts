import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { catalogs } from "./i18n";
import { mount } from "./main";
import { parseMargin } from "./settings-page";

const en = catalogs.en;
const tick = () => new Promise((r) => setTimeout(r, 0));
afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

describe("settings", () => {
  it("the margin is a whole number of minutes from 1 to 50", () => {
    expect(parseMargin("10")).toBe(10);
    expect(parseMargin(" 1 ")).toBe(1);
    for (const bad of ["0", "51", "2.5", "", "ten"]) expect(parseMargin(bad)).toBeNull();
  });

  it("saves what the form says, switches the language at once, and refuses a bad margin inline", async () => {
    let current = { refresh_margin_secs: 600, notifications: true, launch_at_login: false, language: null as string | null };
    const saves: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "overview") return { orgs: [{ id: "sandbox", name: "Sandbox", client_id: "c", confidential: false, sandbox: true, scopes: [] }], connections: [], warning: null };
        if (cmd === "get_settings") return current;
        if (cmd === "save_settings") {
          const s = (args as { settings: typeof current }).settings;
          saves.push(s);
          current = s;
          return s;
        }
        return undefined;
      },
      { shouldMockEvents: true },
    );
    const root = document.createElement("div");
    document.body.append(root);
    await mount(root, ["en-US"]);
    (root.querySelector('[data-testid="open-settings"]') as HTMLElement).click();
    const margin = root.querySelector('[data-testid="margin"]') as HTMLInputElement;
    expect(margin.value).toBe("10");
    expect(document.activeElement).toBe(margin);
    expect(root.querySelector("label[for=margin]")?.textContent).toBe(en.marginLabel);

    margin.value = "99";
    (root.querySelector('[data-testid="save-settings"]') as HTMLElement).click();
    await tick();
    expect(root.querySelector('[data-testid="margin-error"]')?.textContent).toBe(en.marginInvalid);
    expect(saves).toEqual([]);

    margin.value = "15";
    (root.querySelector('[data-testid="launch-at-login"]') as HTMLInputElement).checked = true;
    (root.querySelector('[data-testid="language"]') as HTMLSelectElement).value = "ja";
    (root.querySelector('[data-testid="save-settings"]') as HTMLElement).click();
    await tick();
    await tick();
    expect(saves).toEqual([{ refresh_margin_secs: 900, notifications: true, launch_at_login: true, language: "ja" }]);
    expect(root.querySelector("h1")?.textContent).toBe("設定");
    (root.querySelector('[data-testid="back"]') as HTMLElement).click();
    await tick();
    await tick();
    expect(root.querySelector("h1")?.textContent).toBe("接続");
  });
});
