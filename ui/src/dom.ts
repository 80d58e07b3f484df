// A tiny element builder. Text goes in through textContent only, so nothing the UI shows can be
// interpreted as markup.
type Attrs = Record<string, string>;
type Child = Node | string;

export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  for (const child of children) el.append(typeof child === "string" ? document.createTextNode(child) : child);
  return el;
}
