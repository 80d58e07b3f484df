// The HTTPS relay: Zoom redirects plain OAuth apps only to https URLs, so the admin hosts this
// page, registers its URL in the Zoom app, and it hands the authorization to the desktop app
// through the custom scheme. No dependencies; nothing is sent anywhere else.

const SCHEME_CALLBACK = "zoom-connections://oauth/callback";
// Only what an OAuth redirect carries is forwarded.
const FORWARDED = ["code", "state", "error", "error_description"];

/** The deep link for a redirect's query string. */
export function relayTarget(search) {
  const incoming = new URLSearchParams(search);
  const out = new URLSearchParams();
  for (const name of FORWARDED) {
    const values = incoming.getAll(name);
    // A repeated parameter is ambiguous: forward it as is and let the app refuse it.
    for (const value of values) out.append(name, value);
  }
  return `${SCHEME_CALLBACK}?${out.toString()}`;
}

const page = globalThis.document?.getElementById("relay");
if (page) {
  const target = relayTarget(location.search);
  // Keep the code out of the address bar and the history once it has been read.
  history.replaceState(null, "", location.pathname);
  for (const link of document.querySelectorAll("a.open")) link.setAttribute("href", target);
  location.replace(target);
}
