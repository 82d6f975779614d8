import { encode } from "next-auth/jwt";
import { sessionCookie } from "@/lib/auth/options";
import { env } from "@/lib/config/env";
import { clientAddressHeader } from "@/lib/http/client-address";
import { requestPathHeader } from "@/lib/http/request-path";

/**
 * A stand-in for Next's request scope (`next/headers`), which exists only inside a
 * running Next server. Test files install it with
 *   vi.mock("next/headers", () => import("@/testing/next-request"));
 * and then call `actAs(userId)` to make the following calls come from that user's
 * browser: a real next-auth session cookie, read back by the real next-auth code.
 */
let requestHeaders = new Headers();
let requestCookies = new Map<string, string>();

export async function headers(): Promise<Headers> {
  return new Headers(requestHeaders);
}

export async function cookies() {
  const all = () => [...requestCookies].map(([name, value]) => ({ name, value }));
  return {
    get: (name: string) => (requestCookies.has(name) ? { name, value: requestCookies.get(name)! } : undefined),
    getAll: all,
    has: (name: string) => requestCookies.has(name),
    set: (name: string, value: string) => void requestCookies.set(name, value),
    delete: (name: string) => void requestCookies.delete(name),
    toString: () => all().map((c) => `${c.name}=${c.value}`).join("; "),
  };
}

/** A session token exactly as next-auth would issue it for this user, signed in at `authAt` (now unless said). */
export async function sessionToken(userId: string, authAt = new Date()): Promise<string> {
  return encode({ token: { sub: userId, authAt: authAt.getTime() }, secret: env().AUTH_SECRET });
}

/** The session cookie the browser holds now (what an action set or deleted), or undefined. */
export function currentSessionCookie(): string | undefined {
  return requestCookies.get(sessionCookie().name);
}

/** The browser keeps this session token (another device's, an old one). */
export function holdSessionToken(token: string): void {
  requestCookies.set(sessionCookie().name, token);
}

/**
 * The next calls come from `userId`'s browser (signed out when null), on our own site
 * unless `origin` says otherwise, for the page at `path` (as proxy.ts hands it over).
 */
export async function actAs(userId: string | null, options: { origin?: string | null; path?: string; ip?: string } = {}): Promise<void> {
  const app = new URL(env().APP_URL);
  requestHeaders = new Headers({ host: app.host });
  const origin = options.origin === undefined ? app.origin : options.origin;
  if (origin) requestHeaders.set("origin", origin);
  if (options.path) requestHeaders.set(requestPathHeader, options.path);
  if (options.ip) requestHeaders.set(clientAddressHeader, options.ip);
  requestCookies = new Map();
  if (userId) requestCookies.set(sessionCookie().name, await sessionToken(userId));
}
