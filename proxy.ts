import { randomBytes } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/config/env";
import { requestPathHeader, requestPathOf } from "@/lib/http/request-path";
import { pageSecurityHeaders } from "@/lib/server/security-headers";

/**
 * Runs before every page (not API routes, not static files; see `config`): a fresh CSP
 * nonce and the page's security headers, and the page's own address for sign-in
 * redirects. The fixed headers every response carries are in `next.config.ts`.
 */
export function proxy(request: NextRequest): NextResponse {
  const { APP_URL, NODE_ENV, embeddedSignup } = env();
  const headers = pageSecurityHeaders({
    nonce: randomBytes(16).toString("base64"),
    https: APP_URL.startsWith("https://"),
    development: NODE_ENV === "development",
    facebookSdk: embeddedSignup !== null,
  });
  const forwarded = new Headers(request.headers);
  // Next.js reads the nonce from the policy on the request and puts it on every script it renders.
  forwarded.set("Content-Security-Policy", headers["Content-Security-Policy"]!);
  forwarded.set(requestPathHeader, requestPathOf(request.nextUrl));
  const response = NextResponse.next({ request: { headers: forwarded } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [
    {
      // API routes are left out: they answer JSON, streams and media with headers of their own,
      // and for every request a proxy sees Next.js reads the whole body (keeping up to 10 MB)
      // before the handler runs, which would undo the handlers' own body limits. Webhooks above all.
      source: "/((?!api/|_next/static/|_next/image|favicon.ico).*)",
      // Prefetches and server actions fetch data, not documents; the navigation that follows
      // gets its own nonce. Skipping actions also keeps their bodies out of the proxy's copy, so
      // Next's own 64 KB action limit counts them as they arrive.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "next-action" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
