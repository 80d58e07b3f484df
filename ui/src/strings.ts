// Every user-facing string of the window. One catalog per language (Japanese arrives with the
// window issue); components look strings up here and never spell them inline.
export const en = {
  appTitle: "Zoom Connections",
  connectionsHeading: "Connections",
  emptyTitle: "No connections yet",
  emptyWhat:
    "A connection links this app to one Zoom account through OAuth. Its tokens stay in your system keychain, and the app refreshes them before Zoom's 60-minute access tokens expire, so your automations can always use it.",
  emptySandbox:
    "No Zoom app credentials are configured, so the app runs against its built-in Zoom sandbox: you can try everything without a Zoom account.",
  versionLabel: "Version",
} as const;

export type StringKey = keyof typeof en;
export type Catalog = Record<StringKey, string>;
