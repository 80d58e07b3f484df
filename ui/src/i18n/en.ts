// English: the reference catalog. Every user-facing string of the window lives in a catalog;
// `ja.ts` must have exactly the same keys (a test checks it).
export const en = {
  appTitle: "Zoom Connections",
  connectionsHeading: "Connections",
  emptyTitle: "No connections yet",
  emptyWhat:
    "A connection links this app to one Zoom account through OAuth. Its tokens stay in your system keychain, and the app refreshes them before Zoom's 60-minute access tokens expire, so your automations can always use it.",
  emptySandbox:
    "No Zoom app credentials are configured, so the app runs against its built-in Zoom sandbox: you can try everything without a Zoom account.",
  versionLabel: "Version",

  colNickname: "Nickname",
  colEmail: "Zoom account",
  colAccount: "Account ID",
  colRole: "Role",
  colUserType: "User type",
  colStatus: "Status",
  colLastKeepalive: "Last keepalive",
  colNextKeepalive: "Next keepalive",
  userTypeBasic: "Basic",
  userTypeLicensed: "Licensed",
  userTypeOnPrem: "On-Prem",
  userTypeOther: "Other",
  never: "never",
  needsYou: "needs you",
  runKeepaliveNow: "Run keepalive now",
  sandboxBanner: "Sandbox mode: connections go to the built-in Zoom sandbox, not to Zoom.",

  statusActive: "Active",
  statusRefreshing: "Refreshing",
  statusRetrying: "Retrying",
  statusNeedsReconnect: "Needs reconnect",
  statusSuperseded: "Superseded",

  errorInvalidNickname: "Check the nickname: it must be 1–64 characters and unique in this org.",
  errorInvalidCallback: "The sign-in response was not valid. Nothing was changed.",
  errorStateMismatch: "This sign-in response does not belong to a sign-in in progress. Nothing was changed.",
  errorFlowExpired: "The sign-in took longer than 10 minutes and expired. Start again.",
  errorAccessDenied: "Authorization was declined in Zoom. Nothing was changed.",
  errorZoomInvalidGrant: "Zoom no longer accepts this connection's authorization. Reconnect it.",
  errorZoomInvalidClient: "Zoom refused the app's client ID or secret. Check the org's settings.",
  errorZoomError: "Zoom refused the request.",
  errorZoomRateLimited: "Zoom's rate limit was reached. It will be retried.",
  errorZoomBadResponse: "Zoom answered something unexpected.",
  errorNetwork: "Zoom could not be reached. Check the network and try again.",
  errorKeychainUnavailable: "No keychain service is reachable, so tokens cannot be stored.",
  errorStorage: "The list of connections could not be read or written.",
  errorRoleNotAllowed: "Only a Zoom account Owner or Admin can connect an account.",
  errorMissingScope: "Zoom did not grant a required scope. Add it to the Zoom app and try again.",
  errorAccountInOtherOrg: "This Zoom account is already connected in another org.",
  errorNotFound: "That connection or org no longer exists.",
  errorInvalidSettings: "These settings cannot work. Check them and try again.",
} as const;

export type StringKey = keyof typeof en;
export type Catalog = Record<StringKey, string>;
