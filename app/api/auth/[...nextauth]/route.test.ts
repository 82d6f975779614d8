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
