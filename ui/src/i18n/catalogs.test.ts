import { describe, expect, it } from "vitest";
import { catalogs, ERROR_MESSAGES, errorMessage, pickLanguage, reasonText, ZOOM_REASONS } from "./index";

describe("catalogs", () => {
  it("English and Japanese have the same keys and no empty value", () => {
    const en = Object.keys(catalogs.en).sort();
    expect(Object.keys(catalogs.ja).sort()).toEqual(en);
    for (const [lang, catalog] of Object.entries(catalogs)) {
      for (const [key, value] of Object.entries(catalog)) {
        expect(value.trim(), `${lang}.${key}`).not.toBe("");
      }
    }
  });

  it("every engine error code and Zoom reason has its own message in each language", () => {
    // ERROR_MESSAGES and ZOOM_REASONS are Records over the generated types: a code added in
    // Rust without an entry there fails tsc. Here: each entry's message exists and is its own.
    for (const catalog of Object.values(catalogs)) {
      for (const [code, key] of Object.entries(ERROR_MESSAGES)) {
        expect(catalog[key], code).toBeTruthy();
        expect(errorMessage(catalog, code)).toBe(catalog[key]);
      }
      for (const key of Object.values(ZOOM_REASONS)) expect(catalog[key], key).toBeTruthy();
    }
    expect(new Set(Object.values(ERROR_MESSAGES)).size).toBe(Object.keys(ERROR_MESSAGES).length);
    expect(errorMessage(catalogs.en, "something_new")).toBe(catalogs.en.errorZoomError);
  });

  it("a typed status reason reads in the window's language; the engine's English only without one", () => {
    const failing = { code: "failing", error: "network", zoom: null, attempt: 3 } as const;
    expect(reasonText(catalogs.en, failing, "English detail")).toBe("Zoom could not be reached (attempt 3)");
    expect(reasonText(catalogs.ja, failing, "English detail")).toBe("Zoom にアクセスできません（3 回目）");
    expect(reasonText(catalogs.ja, { code: "refused", error: "zoom_invalid_grant", zoom: "owner_gone" }, null)).toBe(catalogs.ja.zoomOwnerGone);
    expect(reasonText(catalogs.ja, null, "from an older list")).toBe("from an older list");
    // A lost answer is said as that, never as a deauthorization.
    const lost = { code: "answer_lost", at: 0 } as const;
    expect(reasonText(catalogs.en, lost, "English detail")).toMatch(/answer was lost/);
    expect(reasonText(catalogs.ja, lost, "English detail")).toMatch(/応答をアプリが保存する前に失われた/);
    expect(reasonText(catalogs.en, lost, null)).not.toMatch(/deauthorized/);
  });

  it("follows the setting, else the OS locale", () => {
    expect(pickLanguage("ja", ["en-US"])).toBe("ja");
    expect(pickLanguage(null, ["ja-JP", "en-US"])).toBe("ja");
    expect(pickLanguage(undefined, ["fr-FR", "en-GB"])).toBe("en");
    expect(pickLanguage(null, ["de-DE"])).toBe("en");
  });
});
