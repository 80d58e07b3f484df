// A person at the browser on the embedded sandbox's pages: password sign-in, Pre-Approve,
// Authorize. Returns the redirect the browser would follow (the deep link).
export async function authorizeInSandbox(authorizeUrl, email, password = "sandbox") {
  const base = new URL(authorizeUrl);
  const at = (path) => new URL(path, base).toString();
  // Zoom sends a browser that is not signed in on to its sign-in page: follow that.
  const page = await fetch(authorizeUrl);
  if (page.status !== 200) throw new Error(`authorize page: HTTP ${page.status}`);
  const html = await page.text();
  const req = /name="req" value="([^"]+)"/.exec(html)?.[1];
  if (!req) throw new Error("no sign-in request on the authorize page");
  const post = (path, fields) =>
    fetch(at(path), { method: "POST", redirect: "manual", body: new URLSearchParams(fields) });
  const signedIn = await post("/oauth/signin", { req, email, password, robot: "yes" });
  if (signedIn.status !== 303) throw new Error(`sign-in: HTTP ${signedIn.status}`);
  await post("/oauth/preapprove", { req });
  const done = await post("/oauth/consent", { req, decision: "authorize" });
  const location = done.headers.get("location");
  if (done.status !== 302 || !location) throw new Error(`authorize: HTTP ${done.status}`);
  return location;
}
