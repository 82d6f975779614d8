/** Longer than any link the app makes; a return path past it is someone's experiment. */
const maxLength = 2048;

// Browsers silently drop tabs and newlines from URLs and trim spaces, so `/\t/evil.example`
// becomes `//evil.example`, another site; a newline in a Location header is a 500.
const controlOrSpace = /[\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/u;

/**
 * Where a user may be sent back to after signing in: a path on our own site, or null.
 * The value is resolved against `appUrl` the way a browser would resolve it, and only a
 * result on the same origin is kept, as path, query and hash, so whatever the browser
 * later does with it, it stays on this site. Everything that reads a return target from a
 * request (`callbackUrl`, next-auth's redirect) goes through here.
 */
export function safeReturnPath(value: unknown, appUrl: string): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > maxLength) return null;
  if (controlOrSpace.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, appUrl);
  } catch {
    return null;
  }
  if (url.origin !== new URL(appUrl).origin) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // `/.//evil.example` normalises to the path `//evil.example`, which a browser reads as a host.
  if (!path.startsWith("/") || path.startsWith("//")) return null;
  return path;
}
