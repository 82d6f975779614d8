import type { NextConfig } from "next";
import { fixedSecurityHeaders } from "./lib/server/security-headers";

const nextConfig: NextConfig = {
  // PGlite ships WebAssembly and data files it loads from its own package folder;
  // postgres.js and argon2 are plain Node modules. Bundling any of them breaks that.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "@node-rs/argon2"],
  poweredByHeader: false,
  experimental: {
    // Next counts a server action's body as it reads it and answers 413 past this (its default
    // is 1 MB). Our forms send a few hundred bytes; the same cap as the route handlers' (lib/http/body.ts).
    serverActions: { bodySizeLimit: "64kb" },
    // proxy.ts copies the body of every request it runs on (pages only; never API routes or
    // actions): a page is fetched with GET, so nothing larger is worth holding in memory.
    proxyClientMaxBodySize: "64kb",
  },
  // Every response; pages also get a per-request CSP (and HSTS) from proxy.ts.
  async headers() {
    return [{ source: "/:path*", headers: Object.entries(fixedSecurityHeaders).map(([key, value]) => ({ key, value })) }];
  },
};

export default nextConfig;
