// The nickname rule of New Connection and Rename, checked as the user types (the engine checks
// again: connect.rs, check_nickname).
import type { Catalog } from "./i18n";
import type { Connection } from "./ipc";

export const NICKNAME_MAX = 64;

/** The inline error for a nickname, or null when it can be submitted (the engine checks again). */
export function nicknameProblem(t: Catalog, raw: string, orgId: string, existing: Connection[]): string | null {
  const name = raw.trim();
  if (name.length === 0) return t.nicknameRequired;
  if ([...name].length > NICKNAME_MAX) return t.nicknameTooLong;
  if (existing.some((c) => c.org_id === orgId && c.nickname.toLowerCase() === name.toLowerCase())) return t.nicknameTaken;
  return null;
}
