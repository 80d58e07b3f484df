import { h } from "./dom";
import type { Catalog } from "./i18n";
import type { Connection, Status } from "./ipc";

export const STATUS_KEY: Record<Status, keyof Catalog> = {
  active: "statusActive",
  refreshing: "statusRefreshing",
  retrying: "statusRetrying",
  needs_reconnect: "statusNeedsReconnect",
  superseded: "statusSuperseded",
};

/** A status chip: the label in words (never colour alone), the reason on hover and focus. */
export function statusChip(t: Catalog, c: Connection): HTMLElement {
  const chip = h("span", { class: `chip status-${c.status}`, tabindex: "0", "data-testid": "status" }, t[STATUS_KEY[c.status]]);
  if (c.status_reason) {
    chip.setAttribute("title", c.status_reason);
    chip.setAttribute("aria-description", c.status_reason);
  }
  return chip;
}

