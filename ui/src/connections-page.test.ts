import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { mount } from "./main";
import { en } from "./strings";

afterEach(() => clearMocks());

describe("connections page", () => {
  it("shows the empty state that explains what a connection is", async () => {
    mockIPC((cmd) => (cmd === "plugin:app|version" ? "9.8.7" : undefined));
    const root = document.createElement("div");
    await mount(root);
    const empty = root.querySelector('[data-testid="empty-state"]');
    expect(empty?.querySelector("h2")?.textContent).toBe(en.emptyTitle);
    expect(empty?.textContent).toContain("keychain");
    expect(root.querySelector("h1")?.textContent).toBe("Connections");
    expect(root.querySelector("footer")?.textContent).toBe("Version 9.8.7");
    expect(document.title).toBe("Zoom Connections");
  });

  it("still renders when the version cannot be read", async () => {
    mockIPC(() => {
      throw new Error("ipc down");
    });
    const root = document.createElement("div");
    await mount(root);
    expect(root.querySelector('[data-testid="empty-state"]')).not.toBeNull();
    expect(root.querySelector("footer")?.textContent).toBe("");
  });

  it("never interprets text as markup", async () => {
    const { h } = await import("./dom");
    const el = h("p", {}, "<img src=x onerror=alert(1)>");
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toBe("<img src=x onerror=alert(1)>");
  });
});
