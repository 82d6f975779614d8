import { expect, it } from "vitest";
import { isSameOriginRequest } from "./origin";

const app = "https://switchboard.example.com";
const check = (headers: Record<string, string>) => isSameOriginRequest(new Headers(headers), app);

it("accepts our own public origin and the host the request was sent to", () => {
  expect(check({ origin: app, host: "10.0.0.5:3000" })).toBe(true);
  expect(check({ origin: "http://127.0.0.1:3021", host: "127.0.0.1:3021" })).toBe(true);
  expect(check({ origin: "https://inbox.example.org", host: "internal:3000", "x-forwarded-host": "inbox.example.org" })).toBe(true);
});

it("refuses another site, a look-alike host, and a garbage origin", () => {
  expect(check({ origin: "https://evil.example", host: "switchboard.example.com" })).toBe(false);
  expect(check({ origin: "https://switchboard.example.com.evil.example", host: "switchboard.example.com" })).toBe(false);
  expect(check({ origin: "http://switchboard.example.com", host: "other:3000" })).toBe(false);
  expect(check({ origin: "null", host: "switchboard.example.com" })).toBe(false);
});

it("without Origin, trusts only what the browser says about who sent it", () => {
  expect(check({ host: "switchboard.example.com" })).toBe(true);
  expect(check({ host: "switchboard.example.com", "sec-fetch-site": "same-origin" })).toBe(true);
  expect(check({ host: "switchboard.example.com", "sec-fetch-site": "cross-site" })).toBe(false);
  expect(check({ host: "switchboard.example.com", "sec-fetch-site": "same-site" })).toBe(false);
});
