import { getVersion } from "@tauri-apps/api/app";
import { renderConnectionsPage, renderFooter } from "./connections-page";
import { en } from "./strings";

export async function mount(root: HTMLElement): Promise<void> {
  const t = en;
  document.title = t.appTitle;
  root.replaceChildren(renderConnectionsPage(t));
  // The version is decoration: the page is usable before (or without) it.
  const version = await getVersion().catch(() => null);
  root.append(renderFooter(t, version));
}

const root = document.getElementById("app");
if (root) void mount(root);
