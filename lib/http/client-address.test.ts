import { expect, it } from "vitest";
import { clientAddress } from "./client-address";

it("uses the socket's address, whatever X-Forwarded-For claims, when no proxy is declared", () => {
  expect(clientAddress("127.0.0.1", "203.0.113.9", 0)).toBe("127.0.0.1");
  expect(clientAddress("::ffff:127.0.0.2", "203.0.113.9, 198.51.100.1", 0)).toBe("127.0.0.2");
  expect(clientAddress("2001:db8::7", undefined, 0)).toBe("2001:db8::7");
});

it("behind declared proxies, takes the entry that many places from the right, never one the client wrote", () => {
  // The client forged "6.6.6.6"; the one proxy appended the address it was called from.
  expect(clientAddress("10.0.0.5", "6.6.6.6, 203.0.113.9", 1)).toBe("203.0.113.9");
  expect(clientAddress("10.0.0.5", ["6.6.6.6", "203.0.113.9, 10.0.0.4"], 2)).toBe("203.0.113.9");
  // Fewer entries than proxies: the request did not come through them all; the leftmost is the best known.
  expect(clientAddress("10.0.0.5", undefined, 1)).toBe("10.0.0.5");
  expect(clientAddress("10.0.0.5", "203.0.113.9", 3)).toBe("203.0.113.9");
});

it("falls back to the socket when the chosen entry is not an IP address", () => {
  expect(clientAddress("10.0.0.5", "6.6.6.6, evil.example", 1)).toBe("10.0.0.5");
  expect(clientAddress("10.0.0.5", "6.6.6.6, 203.0.113.9:4431", 1)).toBe("10.0.0.5");
  expect(clientAddress(undefined, undefined, 0)).toBe("unknown");
});
