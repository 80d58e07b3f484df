import { h } from "./dom";
import type { Catalog } from "./strings";

/// The connections page. Connections arrive with the engine; until then it shows the empty state
/// that explains what a connection is.
export function renderConnectionsPage(t: Catalog): HTMLElement {
  return h(
    "main",
    { class: "page", "aria-labelledby": "connections-heading" },
    h("header", { class: "page-header" }, h("h1", { id: "connections-heading" }, t.connectionsHeading)),
    h(
      "section",
      { class: "empty-state", "data-testid": "empty-state" },
      h("h2", {}, t.emptyTitle),
      h("p", {}, t.emptyWhat),
      h("p", { class: "hint" }, t.emptySandbox),
    ),
  );
}

export function renderFooter(t: Catalog, version: string | null): HTMLElement {
  return h("footer", { class: "footer" }, version ? `${t.versionLabel} ${version}` : "");
}
