import { getVersion } from "@tauri-apps/api/app";
import { renderConnectionsPage, renderFooter, type PageState } from "./connections-page";
import { catalogs, pickLanguage, type Language } from "./i18n";
import { ipc } from "./ipc";

/** Loads the list and keeps it current from the shell's events (no polling). */
export async function mount(root: HTMLElement, locales: readonly string[] = navigator.languages ?? [navigator.language]): Promise<void> {
  let lang: Language = pickLanguage(null, locales);
  let state: PageState | undefined;
  let version: string | null = null;

  const render = () => {
    const t = catalogs[lang];
    document.title = t.appTitle;
    document.documentElement.lang = lang;
    root.replaceChildren(renderConnectionsPage(t, lang, state), renderFooter(t, version));
  };
  const load = async () => {
    try {
      const [overview, settings] = await Promise.all([ipc.overview(), ipc.settings()]);
      lang = pickLanguage(settings.language, locales);
      state = { overview, marginSecs: settings.refresh_margin_secs, nowMs: Date.now() };
    } catch {
      // Without the shell (or before it answers) the page still explains itself.
      state = undefined;
    }
    render();
  };

  render();
  await load();
  await ipc.onConnectionsChanged(() => void load()).catch(() => undefined);
  // The version is decoration: the page is usable before (or without) it.
  version = await getVersion().catch(() => null);
  render();
}

const root = document.getElementById("app");
if (root) void mount(root);
