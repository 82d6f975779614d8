import { NextRequest } from "next/server";
import { unstable_doesMiddlewareMatch, unstable_getResponseFromNextConfig } from "next/experimental/testing/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";
import nextConfig from "@/next.config";
import { config, proxy } from "@/proxy";
import { requestPathHeader } from "@/lib/http/request-path";
import { contentSecurityPolicy } from "./security-headers";

afterEach(() => {
  vi.unstubAllEnvs();
  resetEnvForTests();
});

/** A page request as the browser sends it, through proxy.ts: the answer's headers and what the page is handed. */
function visit(path: string, headers: Record<string, string> = {}) {
  const response = proxy(new NextRequest(`http://localhost:3000${path}`, { headers }));
  // NextResponse.next({ request: { headers } }) carries the headers handed on to the page this way.
  const handedOn = (name: string) => response.headers.get(`x-middleware-request-${name.toLowerCase()}`);
  return { response, handedOn };
}

function directives(policy: string | null): Map<string, string[]> {
  return new Map((policy ?? "").split(";").map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe("a page's Content-Security-Policy", () => {
  it("allows scripts by a fresh nonce only, which Next.js is handed to put on its scripts", () => {
    const first = visit("/w/acme/inbox");
    const policy = first.response.headers.get("content-security-policy");
    const script = directives(policy).get("script-src")!;
    const nonce = /^'nonce-([A-Za-z0-9+/=]{22,})'$/.exec(script.find((value) => value.startsWith("'nonce-")) ?? "")?.[1];
    expect(nonce).toBeDefined();
    expect(script).toContain("'strict-dynamic'");
    expect(script).not.toContain("'unsafe-inline'");
    expect(script).not.toContain("'unsafe-eval'");
    expect(first.handedOn("content-security-policy")).toBe(policy);

    const second = visit("/w/acme/inbox").response.headers.get("content-security-policy");
    expect(second).not.toContain(nonce);
  });

  it("refuses framing, plugins, a foreign <base> and forms posting elsewhere", () => {
    const policy = directives(visit("/sign-in").response.headers.get("content-security-policy"));
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(policy.get("form-action")).toEqual(["'self'"]);
    expect(policy.get("default-src")).toEqual(["'self'"]);
    expect(policy.get("style-src")).not.toContain("'unsafe-inline'");
  });

  it("lets React's development tooling evaluate code under `next dev` only", () => {
    const development = directives(contentSecurityPolicy({ nonce: "abc", https: false, development: true }));
    expect(development.get("script-src")).toContain("'unsafe-eval'");
    expect(development.get("script-src")).not.toContain("'unsafe-inline'");
    const production = directives(contentSecurityPolicy({ nonce: "abc", https: false, development: false }));
    expect(production.get("script-src")).not.toContain("'unsafe-eval'");
  });
});

describe("Meta's SDK for Embedded Signup", () => {
  it("is allowed exactly its script, frame and request hosts once Embedded Signup is configured, on every page", () => {
    vi.stubEnv("META_APP_ID", "670843887433847");
    vi.stubEnv("META_CONFIG_ID", "1234567890123");
    resetEnvForTests();
    for (const path of ["/w/acme/settings/numbers", "/w/acme/inbox"]) {
      const policy = directives(visit(path).response.headers.get("content-security-policy"));
      expect(policy.get("script-src")!.filter((v) => v.startsWith("https:"))).toEqual(["https://connect.facebook.net"]);
      expect(policy.get("frame-src")).toEqual(["https://www.facebook.com", "https://web.facebook.com"]);
      expect(policy.get("connect-src")).toEqual(["'self'", "https://www.facebook.com", "https://web.facebook.com"]);
      expect(policy.get("script-src")).toContain("'strict-dynamic'");
      expect(policy.get("img-src")).toEqual(["'self'", "blob:", "data:"]);
      expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    }
  });

  it("gets nothing when Embedded Signup is not configured: frames fall back to 'self'", () => {
    const policy = directives(visit("/w/acme/settings/numbers").response.headers.get("content-security-policy"));
    expect(policy.get("script-src")!.some((v) => v.includes("facebook"))).toBe(false);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.has("frame-src")).toBe(false);
  });
});

describe("HSTS", () => {
  it("is not sent while APP_URL is http, where it would lock browsers out of the site", () => {
    const { response } = visit("/sign-in");
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(directives(response.headers.get("content-security-policy")).has("upgrade-insecure-requests")).toBe(false);
  });

  it("is sent, with upgrade-insecure-requests, when APP_URL is https", () => {
    vi.stubEnv("APP_URL", "https://switchboard.example");
    resetEnvForTests();
    const { response } = visit("/sign-in");
    expect(response.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    expect(directives(response.headers.get("content-security-policy")).has("upgrade-insecure-requests")).toBe(true);
  });
});

describe("what the proxy hands the page", () => {
  it("is the address asked for, without the router's own _rsc marker, whatever the client claimed", () => {
    const { handedOn } = visit("/w/acme/inbox/5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e?status=open&_rsc=1x2y", {
      [requestPathHeader]: "//evil.example",
    });
    expect(handedOn(requestPathHeader)).toBe("/w/acme/inbox/5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e?status=open");
  });
});

describe("where the proxy runs", () => {
  const runs = (url: string, headers: Record<string, string> = {}) =>
    unstable_doesMiddlewareMatch({ config, url, headers, nextConfig });

  it("runs on every page", () => {
    for (const path of ["/", "/sign-in?callbackUrl=%2Fw%2Facme", "/sign-up", "/w/acme/inbox", "/w/acme/inbox/5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e", "/w/acme/settings/numbers", "/invite/a.b.c", "/no-such-page"]) {
      expect(runs(path), path).toBe(true);
    }
  });

  it("skips Meta's webhook, the other API routes and static files", () => {
    for (const path of ["/api/webhooks/whatsapp", "/api/webhooks/whatsapp?hub.mode=subscribe", "/api/w/acme/messages/m1/media", "/api/auth/session", "/api/health", "/_next/static/chunks/main.js", "/_next/image?url=x", "/favicon.ico"]) {
      expect(runs(path), path).toBe(false);
    }
  });

  it("skips the router's prefetches", () => {
    expect(runs("/w/acme/inbox", { "next-router-prefetch": "1" })).toBe(false);
  });

  it("skips server actions, whose bodies it would otherwise copy before their own size limit", () => {
    expect(runs("/w/acme/settings/numbers", { "next-action": "7f3a9c" })).toBe(false);
  });
});

describe("the headers every response carries (next.config.ts)", () => {
  it.each(["/sign-in", "/w/acme/inbox", "/api/webhooks/whatsapp", "/api/w/acme/messages/m1/media", "/_next/static/chunks/main.js"])("%s", async (path) => {
    const response = await unstable_getResponseFromNextConfig({ url: `http://localhost:3000${path}`, nextConfig });
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    // The media route's own sandbox policy must not meet a competing one set before it.
    expect(response.headers.get("content-security-policy")).toBeNull();
  });
});
