import { NextRequest } from "next/server";
import { expect, it } from "vitest";
import { proxy } from "@/proxy";
import { hasMalformedEncoding } from "./path";

it("finds path segments whose percent-encoding does not decode, and nothing else", () => {
  for (const bad of ["/w/%E0%A4%A/inbox", "/api/w/%ZZ/conversations", "/w/x/%", "/invite/%C0%AF", "/w/%ED%A0%80"]) expect(hasMalformedEncoding(bad), bad).toBe(true);
  for (const good of ["/w/acme/inbox", "/invite/%25E0%25A4%25A", "/w/caf%C3%A9", "/", "/api/w/x/conversations/0b7e7dd0-3a4f-4d4b-9a43-5d1c1f0f0a01"]) expect(hasMalformedEncoding(good), good).toBe(false);
});

it("answers a malformed path 400 before any route, JSON under /api, and lets the rest through", async () => {
  const api = proxy(new NextRequest("http://localhost:3000/api/w/%ZZ/conversations"));
  expect(api.status).toBe(400);
  expect(await api.json()).toEqual({ error: "This address is not valid: its percent-encoding is malformed." });
  const page = proxy(new NextRequest("http://localhost:3000/w/%E0%A4%A/inbox"));
  expect(page.status).toBe(400);
  expect(await page.text()).toBe("This address is not valid: its percent-encoding is malformed.");
  expect(proxy(new NextRequest("http://localhost:3000/w/caf%C3%A9/inbox")).headers.get("x-middleware-next")).toBe("1");
});
