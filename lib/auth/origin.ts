import { headers } from "next/headers";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/domain/errors";

/**
 * Whether a state-changing request came from our own pages. Browsers send `Origin` on
 * every POST; it must be the public URL (APP_URL) or the host the request was sent to.
 * Without `Origin`, a browser's `Sec-Fetch-Site` must not say another site sent it.
 * Next.js checks server actions the same way; this check also covers route handlers
 * and runs again inside every action, so no mutation depends on one layer alone.
 */
export function isSameOriginRequest(requestHeaders: Headers, appUrl: string): boolean {
  const origin = requestHeaders.get("origin");
  if (!origin) {
    const site = requestHeaders.get("sec-fetch-site");
    return site === null || site === "same-origin" || site === "none";
  }
  let originUrl: URL;
  try {
    originUrl = new URL(origin);
  } catch {
    return false;
  }
  if (originUrl.origin === new URL(appUrl).origin) return true;
  const host = requestHeaders.get("x-forwarded-host")?.split(",")[0]?.trim() || requestHeaders.get("host");
  return host !== null && originUrl.host === host;
}

/** For server actions: refuses a request another site made on the user's behalf. */
export async function assertSameOrigin(): Promise<void> {
  if (!isSameOriginRequest(await headers(), env().APP_URL)) throw new AppError("cross_site", "This request came from another site and was refused.");
}

/** For route handlers: a 403 answer for a cross-site mutation, or null to carry on. */
export function refuseCrossOrigin(request: Request): Response | null {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return null;
  if (isSameOriginRequest(request.headers, env().APP_URL)) return null;
  return Response.json({ error: "Cross-site requests are not allowed." }, { status: 403 });
}
