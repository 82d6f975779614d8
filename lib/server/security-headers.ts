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
  /** Embedded Signup is configured: Meta's JavaScript SDK may load and open Facebook's dialog. */
  facebookSdk?: boolean;
};

/**
 * The hosts Meta's JavaScript SDK needs for Embedded Signup, and no others: its script, and
 * Facebook's two origins for the dialog's frames and the SDK's own requests. On every page
 * when configured, not only on the numbers page: a client-side navigation keeps the policy of
 * the page the browser first loaded. Why each: docs/ARCHITECTURE.md, "Embedded Signup".
 */
export const facebookSdkHosts = {
  script: ["https://connect.facebook.net"],
  frame: ["https://www.facebook.com", "https://web.facebook.com"],
  connect: ["https://www.facebook.com", "https://web.facebook.com"],
} as const;

export function contentSecurityPolicy({ nonce, https, development, facebookSdk = false }: PagePolicyOptions): string {
  const extra = (hosts: readonly string[]) => (facebookSdk ? ` ${hosts.join(" ")}` : "");
  const directives = [
    "default-src 'self'",
    // With 'strict-dynamic' a browser trusts what our nonced scripts load and ignores host
    // lists; the SDK's host is there for browsers that predate it (CSP level 2).
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}${extra(facebookSdkHosts.script)}`,
    `style-src 'self' ${development ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${extra(facebookSdkHosts.connect)}`,
    ...(facebookSdk ? [`frame-src ${facebookSdkHosts.frame.join(" ")}`] : []),
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
