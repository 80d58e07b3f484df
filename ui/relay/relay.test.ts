import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain JavaScript module with no type declarations (the page ships as is).
import { relayTarget } from "./relay.js";

describe("HTTPS relay page", () => {
  it("forwards code and state to the custom scheme", () => {
    expect(relayTarget("?code=abc&state=x%20y%26z")).toBe("zoom-connections://oauth/callback?code=abc&state=x+y%26z");
  });

  it("forwards a decline", () => {
    expect(relayTarget("?error=access_denied&state=s")).toBe("zoom-connections://oauth/callback?state=s&error=access_denied");
  });

  it("drops everything an OAuth redirect does not carry", () => {
    expect(relayTarget("?code=c&state=s&next=https://evil.example&javascript:alert(1)=1")).toBe(
      "zoom-connections://oauth/callback?code=c&state=s",
    );
  });

  it("does not hide a repeated state: the app refuses it", () => {
    expect(relayTarget("?state=a&state=b&code=c")).toBe("zoom-connections://oauth/callback?code=c&state=a&state=b");
  });
});
