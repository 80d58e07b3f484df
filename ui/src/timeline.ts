// The 24-hour keepalive timeline: one marker per event on a time axis. Each kind has its own
// shape (and a text title), so the chart does not rely on colour.
import { exactTime } from "./format";
import { reasonText, type Catalog, type Language } from "./i18n";
import type { HistoryEvent, HistoryKind } from "./ipc";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 56;
const PAD = 12;
const DAY = 24 * 3600;

function svg(tag: string, attrs: Record<string, string | number>, ...children: Node[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

export const KIND_LABEL: Record<HistoryKind, keyof Catalog> = {
  refreshed: "eventRefreshed",
  failed: "eventFailed",
  needs_reconnect: "eventNeedsReconnect",
  superseded: "eventSuperseded",
  recovered: "eventRecovered",
  authorized: "eventAuthorized",
};

/** The marker of one kind at (x, y): circle, triangle, square, ring, diamond. */
export function marker(kind: HistoryKind, x: number, y: number): SVGElement {
  const cls = `mark mark-${kind}`;
  switch (kind) {
    case "refreshed":
      return svg("circle", { cx: x, cy: y, r: 4, class: cls });
    case "failed":
      return svg("path", { d: `M${x} ${y - 5} L${x + 5} ${y + 4} L${x - 5} ${y + 4} Z`, class: cls });
    case "needs_reconnect":
    case "superseded":
      return svg("rect", { x: x - 4, y: y - 4, width: 8, height: 8, class: cls });
    case "recovered":
      return svg("circle", { cx: x, cy: y, r: 5, class: cls, fill: "none" });
    case "authorized":
      return svg("path", { d: `M${x} ${y - 6} L${x + 5} ${y} L${x} ${y + 6} L${x - 5} ${y} Z`, class: cls });
  }
}

/** One event as a line: when, what and why. English keeps the engine's sentence (it has Zoom's
 * own words and the next attempt); another language says the typed reason, and nothing for an
 * event without one (an older file, a passing detail such as "minted") rather than English. */
export function eventText(t: Catalog, lang: Language, e: HistoryEvent): string {
  const head = `${exactTime(e.at, lang)} — ${t[KIND_LABEL[e.kind]]}`;
  if (lang === "en") return e.detail ? `${head}: ${e.detail}` : head;
  const why = e.why ? reasonText(t, e.why, null) : null;
  return why ? `${head}：${why}` : head;
}

export function renderTimeline(t: Catalog, lang: Language, events: HistoryEvent[], nowMs: number): Element {
  const now = nowMs / 1000;
  const recent = events.filter((e) => now - e.at < DAY && e.at <= now + 60);
  if (recent.length === 0) {
    const p = document.createElement("p");
    p.className = "hint";
    p.textContent = t.timelineEmpty;
    return p;
  }
  const x = (at: number) => PAD + ((at - (now - DAY)) / DAY) * (WIDTH - 2 * PAD);
  const y = HEIGHT / 2;
  const marks = recent.map((e) => {
    const m = marker(e.kind, Math.min(x(e.at), WIDTH - PAD), y);
    m.append(svg("title", {}, document.createTextNode(eventText(t, lang, e))));
    m.setAttribute("data-kind", e.kind);
    return m;
  });
  // Hour ticks every 6 hours, labelled relative to now.
  const ticks = [0, 6, 12, 18, 24].map((hAgo) => {
    const tx = x(now - hAgo * 3600);
    return svg("g", {}, svg("line", { x1: tx, x2: tx, y1: y - 10, y2: y + 10, class: "tick" }), svg("text", { x: tx, y: HEIGHT - 2, class: "tick-label", "text-anchor": "middle" }, document.createTextNode(hAgo === 0 ? "0" : `-${hAgo}h`)));
  });
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": t.timelineTitle, class: "timeline", "data-testid": "timeline" },
    svg("line", { x1: PAD, x2: WIDTH - PAD, y1: y, y2: y, class: "axis" }),
    ...ticks,
    ...marks,
  );
  // The markers' titles show on hover only: the same events, newest first, as text for the
  // keyboard and screen readers.
  const list = document.createElement("ol");
  list.className = "timeline-events";
  list.setAttribute("data-testid", "timeline-events");
  for (const e of [...recent].sort((a, b) => b.at - a.at).slice(0, 8)) {
    const li = document.createElement("li");
    li.textContent = eventText(t, lang, e);
    list.append(li);
  }
  const box = document.createElement("div");
  box.append(chart, list);
  return box;
}

/** The legend: each kind's shape and name, so the chart reads without colour. */
export function renderLegend(t: Catalog): Element {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const kind of Object.keys(KIND_LABEL) as HistoryKind[]) {
    if (kind === "superseded") continue;
    const li = document.createElement("li");
    li.append(svg("svg", { viewBox: "0 0 14 14", width: 14, height: 14, "aria-hidden": "true" }, marker(kind, 7, 7)), document.createTextNode(t[KIND_LABEL[kind]]));
    list.append(li);
  }
  return list;
}
