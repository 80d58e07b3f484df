import { en, type Catalog, type StringKey } from "./en";
import { ja } from "./ja";

export type { Catalog, StringKey };
export const catalogs = { en, ja } as const;
export type Language = keyof typeof catalogs;

/** The catalog for a setting (`en`, `ja`) or, without one, for the OS locale. */
export function pickLanguage(setting: string | null | undefined, locales: readonly string[]): Language {
  if (setting === "en" || setting === "ja") return setting;
  const first = locales.find((l) => /^(en|ja)\b/i.test(l));
  return first?.toLowerCase().startsWith("ja") ? "ja" : "en";
}

/** The message for an engine error code, in the user's language. */
export function errorMessage(t: Catalog, code: string): string {
  const key = ("error" + code.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())) as StringKey;
  return t[key] ?? t.errorZoomError;
}

/** A catalog string with `{name}` placeholders filled in (values are text, never markup). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}
