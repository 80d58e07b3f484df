// Times as people read them: relative ("in 12 min", "3 min ago") with the exact time for hover.
import { catalogs, type Catalog, type Language } from "./i18n";

export function relativeTime(unixSeconds: number, nowMs: number, lang: Language): string {
  const diff = Math.round(unixSeconds - nowMs / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const abs = Math.abs(diff);
  // "just now" / たった今 rather than "12 seconds ago" / 12 秒前 for what just happened.
  if (diff <= 0 && abs < 45) return catalogs[lang].justNow;
  if (abs < 60) return rtf.format(diff, "second");
  if (abs < 3600) return rtf.format(Math.round(diff / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), "hour");
  return rtf.format(Math.round(diff / 86400), "day");
}

export function exactTime(unixSeconds: number, lang: Language): string {
  return new Date(unixSeconds * 1000).toLocaleString(lang);
}

/** Zoom's user type in words: 1 Basic, 2 Licensed, 3 On-Prem (older accounts), 4 Unassigned, 99 None. */
export function userTypeName(t: Catalog, type: number | null): string {
  switch (type) {
    case 1:
      return t.userTypeBasic;
    case 2:
      return t.userTypeLicensed;
    case 3:
      return t.userTypeOnPrem;
    case 4:
      return t.userTypeUnassigned;
    case 99:
      return t.userTypeNone;
    default:
      return t.userTypeOther;
  }
}

/** Minutes and seconds left, as a countdown shows them ("9:05"). */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
