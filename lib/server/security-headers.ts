/**
 * The security headers the app answers with. Two sources, because they differ in when
 * they can be known: the fixed set below is the same for every response and is set by
 * `next.config.ts` on all of them (pages, API routes, static files); the Content Security
 * Policy carries a fresh nonce per page and HSTS depends on the runtime `APP_URL`, so
 * `proxy.ts` sets those per page request. Why each value: docs/ARCHITECTURE.md,
 * "Security headers".
 */
export const fixedSecurityHeaders = {
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
} as const;

export type PagePolicyOptions = {
  nonce: string;
  /** `APP_URL` is https: browsers are told to stay on https and to upgrade stray http requests. */
  https: boolean;
  /** `next dev`: React's development tooling evaluates code and injects style tags. */
  development: boolean;
};

export function contentSecurityPolicy({ nonce, https, development }: PagePolicyOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' ${development ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** The headers of one page response: its policy, and HSTS when the site is served over https. */
export function pageSecurityHeaders(options: PagePolicyOptions): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(options),
    ...(options.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}
