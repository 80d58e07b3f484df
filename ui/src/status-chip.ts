import { h } from "./dom";
import { reasonText, type Catalog } from "./i18n";
import type { Connection, Status } from "./ipc";

export const STATUS_KEY: Record<Status, keyof Catalog> = {
  active: "statusActive",
  refreshing: "statusRefreshing",
  retrying: "statusRetrying",
  needs_reconnect: "statusNeedsReconnect",
  superseded: "statusSuperseded",
};

/** A status chip: the label in words (never colour alone), and with `withReason` the reason
 * written out beside it, in the user's language — not hidden in a tooltip, and not a tab stop of its own. */
export function statusChip(t: Catalog, c: Connection, withReason = false): HTMLElement {
  const chip = h("span", { class: `chip status-${c.status}`, "data-testid": "status" }, t[STATUS_KEY[c.status]]);
  // In the list the reason has a line of its own under the row (connections-page.ts).
  const reason = c.status === "active" || !withReason ? null : reasonText(t, c.reason, c.status_reason);
  if (!reason) return chip;
  // Without a typed reason (a list written by an older version) it is the engine's English.
  const attrs: Record<string, string> = { class: "status-reason", "data-testid": "status-reason" };
  if (!c.reason) attrs.lang = "en";
  return h("span", { class: "status-cell" }, chip, h("span", attrs, reason));
}
