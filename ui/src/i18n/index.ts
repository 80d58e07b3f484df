import { en, type Catalog, type StringKey } from "./en";
import { ja } from "./ja";
import type { ErrorCode, NetworkFault, StatusReason, TestResult, ZoomReason } from "../bindings";

export type { Catalog, StringKey };
export const catalogs = { en, ja } as const;
export type Language = keyof typeof catalogs;

/** The catalog for a setting (`en`, `ja`) or, without one, for the OS locale. */
export function pickLanguage(setting: string | null | undefined, locales: readonly string[]): Language {
  if (setting === "en" || setting === "ja") return setting;
  const first = locales.find((l) => /^(en|ja)\b/i.test(l));
  return first?.toLowerCase().startsWith("ja") ? "ja" : "en";
}

/** Every engine error code's message. A Record over the generated `ErrorCode`: a code added in
 * Rust without a message here fails `tsc`. */
export const ERROR_MESSAGES: Record<ErrorCode, StringKey> = {
  invalid_callback: "errorInvalidCallback",
  state_mismatch: "errorStateMismatch",
  flow_expired: "errorFlowExpired",
  access_denied: "errorAccessDenied",
  zoom_invalid_grant: "errorZoomInvalidGrant",
  zoom_invalid_client: "errorZoomInvalidClient",
  zoom_error: "errorZoomError",
  zoom_rate_limited: "errorZoomRateLimited",
  zoom_bad_response: "errorZoomBadResponse",
  network: "errorNetwork",
  keychain_unavailable: "errorKeychainUnavailable",
  storage: "errorStorage",
  role_not_allowed: "errorRoleNotAllowed",
  missing_scope: "errorMissingScope",
  account_in_other_org: "errorAccountInOtherOrg",
  invalid_nickname: "errorInvalidNickname",
  not_found: "errorNotFound",
  invalid_settings: "errorInvalidSettings",
  lock_timeout: "errorLockTimeout",
  wrong_zoom_user: "errorWrongZoomUser",
  shutting_down: "errorShuttingDown",
  scim_unavailable: "errorScimUnavailable",
};

/** Zoom's answers the engine tells apart (a typed `ZoomReason`), worded. Exhaustive, as above. */
export const ZOOM_REASONS: Record<ZoomReason, StringKey> = {
  superseded: "zoomSuperseded",
  owner_gone: "zoomOwnerGone",
  authorization_unknown: "zoomAuthorizationUnknown",
  pre_approval_off: "zoomPreApprovalOff",
  scopes_changed: "zoomScopesChanged",
  code_expired: "zoomCodeExpired",
  code_refused: "zoomCodeRefused",
  redirect_mismatch: "zoomRedirectMismatch",
  app_disabled: "zoomAppDisabled",
  client_refused: "zoomClientRefused",
  grant_type_unsupported: "zoomGrantTypeUnsupported",
  client_missing: "zoomClientMissing",
  account_unknown: "zoomAccountUnknown",
  grant_gone: "zoomGrantGone",
  unexpected: "zoomUnexpected",
};

/** Why Zoom could not be reached, worded. Exhaustive, as above. */
export const NETWORK_FAULTS: Record<NetworkFault, StringKey> = {
  timeout: "networkTimeout",
  untrusted_certificate: "networkUntrustedCertificate",
  connect: "networkConnect",
  other: "networkOther",
};

/** The message for an engine error code, in the user's language (a code this build does not
 * know — a newer shell — reads as Zoom's generic refusal). */
export function errorMessage(t: Catalog, code: string): string {
  const key = (ERROR_MESSAGES as Record<string, StringKey | undefined>)[code];
  return key ? t[key] : t.errorZoomError;
}

/** A problem the engine reported at start (an unreadable list kept aside, a newer version's
 * file): in English its own sentence, which names the file; in another language the code's
 * message, with that sentence after it for the file's name. */
export function warningText(t: Catalog, lang: Language, warning: { code: ErrorCode; message: string }): string {
  return lang === "en" ? warning.message : `${errorMessage(t, warning.code)}（${warning.message}）`;
}

/** Why a connection's status is what it is, in the user's language: from the engine's typed
 * reason; the engine's English sentence only when it has none (a list written by an older
 * version). */
export function reasonText(t: Catalog, reason: StatusReason | null | undefined, english: string | null): string | null {
  if (!reason) return english;
  // The first sentence only: the rest of an error's message is advice for a failed action.
  const what = (error: ErrorCode, zoom: ZoomReason | null) => (zoom ? t[ZOOM_REASONS[zoom]] : t[ERROR_MESSAGES[error]]).split(/[.。]/)[0];
  switch (reason.code) {
    case "refused":
      return zoomOrError(t, reason.error, reason.zoom);
    case "failing":
      return fill(t.reasonFailing, { what: what(reason.error, reason.zoom), attempt: String(reason.attempt) });
    case "wait_capped":
      return fill(t.reasonWaitCapped, { what: what(reason.error, null), attempt: String(reason.attempt) });
    case "gave_up":
      return fill(t.reasonGaveUp, { hours: String(reason.hours), attempts: String(reason.attempts) });
    case "keychain_write":
      return t.reasonKeychainWrite;
    case "deauthorized":
      return t.reasonDeauthorized;
    case "superseded":
      return t.reasonSuperseded;
    case "refresh_expired":
      return fill(t.reasonRefreshExpired, { days: String(reason.days) });
    case "answer_lost":
      return t.reasonAnswerLost;
  }
}

function zoomOrError(t: Catalog, error: ErrorCode, zoom: ZoomReason | null): string {
  return zoom ? t[ZOOM_REASONS[zoom]] : t[ERROR_MESSAGES[error]];
}

/** A passed connection test, in the user's language. */
export function testText(t: Catalog, r: TestResult): string {
  switch (r.probe) {
    case "scim":
      return fill(t.testScim, { users: String(r.users ?? 0) });
    case "users_list":
      return fill(t.testUsersList, { users: String(r.users ?? 0) });
    case "users_me":
      return fill(t.testUsersMe, { email: r.email ?? "", role: roleName(t, r.role) });
  }
}

/** A catalog string with `{name}` placeholders filled in (values are text, never markup). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

/** Zoom's role names in the user's language (オーナー／管理者／メンバー); a custom role as Zoom names it. */
export function roleName(t: Catalog, role: string | null | undefined): string {
  switch (role) {
    case "Owner":
      return t.roleOwner;
    case "Admin":
      return t.roleAdmin;
    case "Member":
      return t.roleMember;
    default:
      return role ?? "";
  }
}

