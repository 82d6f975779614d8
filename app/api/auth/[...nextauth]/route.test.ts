import { NextRequest } from "next/server";
import { expect, it } from "vitest";
import { withPlatform } from "@/db/platform";
import { loginAttempts } from "@/db/schema";
import { POST } from "./route";

it("refuses a sign-in posted by another site before next-auth sees it, and records nothing", async () => {
  const request = new NextRequest("http://localhost:3000/api/auth/callback/credentials", {
    method: "POST",
    headers: { origin: "https://evil.example", host: "localhost:3000", "content-type": "application/x-www-form-urlencoded" },
    body: "email=victim%40example.test&password=guess&csrfToken=x",
  });
  const response = await POST(request, { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) });
  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({ error: "Cross-site requests are not allowed." });
  expect(await withPlatform((tx) => tx.select().from(loginAttempts))).toEqual([]);
});

it("refuses a sign-out posted by another site", async () => {
  const request = new NextRequest("http://localhost:3000/api/auth/signout", {
    method: "POST",
    headers: { host: "localhost:3000", "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" },
    body: "csrfToken=x",
  });
  expect((await POST(request, { params: Promise.resolve({ nextauth: ["signout"] }) })).status).toBe(403);
});

/** A 64 MB body made on demand, chunked (no Content-Length unless given), counting what was read. */
function hugeBody(pulled: { bytes: number }) {
  const piece = new TextEncoder().encode(`email=${"a".repeat(16 * 1024)}`);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.bytes >= 64 * 1024 * 1024) return controller.close();
      pulled.bytes += piece.byteLength;
      controller.enqueue(piece);
    },
  });
}

it("refuses an oversized sign-in body with 413 before next-auth reads or parses it, chunked or with a lying length", async () => {
  for (const declared of [null, "60"]) {
    const pulled = { bytes: 0 };
    const headers: Record<string, string> = { host: "localhost:3000", origin: "http://localhost:3000", "content-type": "application/x-www-form-urlencoded" };
    if (declared) headers["content-length"] = declared;
    const request = new NextRequest("http://localhost:3000/api/auth/callback/credentials", { method: "POST", headers, body: hugeBody(pulled), duplex: "half" } as never);
    const response = await POST(request, { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) });
    expect(response.status).toBe(413);
    expect(pulled.bytes).toBeLessThan(128 * 1024);
  }
  expect(await withPlatform((tx) => tx.select().from(loginAttempts))).toEqual([]);
});
