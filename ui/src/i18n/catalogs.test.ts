import { describe, expect, it } from "vitest";
import { catalogs, errorMessage, pickLanguage } from "./index";

const ERROR_CODES = [
  "invalid_callback", "state_mismatch", "flow_expired", "access_denied", "zoom_invalid_grant",
  "zoom_invalid_client", "zoom_error", "zoom_rate_limited", "zoom_bad_response", "network",
  "keychain_unavailable", "storage", "role_not_allowed", "missing_scope", "account_in_other_org",
  "invalid_nickname", "not_found", "invalid_settings",
];

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

  it("every engine error code has a message in each language", () => {
    for (const catalog of Object.values(catalogs)) {
      for (const code of ERROR_CODES) {
        const key = "error" + code.replace(/(^|_)([a-z])/g, (_: string, __: string, c: string) => c.toUpperCase());
        expect(catalog, code).toHaveProperty(key);
        expect(errorMessage(catalog, code)).toBe((catalog as Record<string, string>)[key]);
      }
    }
    expect(errorMessage(catalogs.en, "something_new")).toBe(catalogs.en.errorZoomError);
  });

  it("follows the setting, else the OS locale", () => {
    expect(pickLanguage("ja", ["en-US"])).toBe("ja");
    expect(pickLanguage(null, ["ja-JP", "en-US"])).toBe("ja");
    expect(pickLanguage(undefined, ["fr-FR", "en-GB"])).toBe("en");
    expect(pickLanguage(null, ["de-DE"])).toBe("en");
  });
});
