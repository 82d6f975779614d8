import { describe, expect, it } from "vitest";
import { safeReturnPath } from "./return-path";

const app = "https://switchboard.example";
const conversation = "/w/acme/inbox/5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e";

/** Where a browser on our sign-in page actually ends up when it is sent to `path`. */
function landsOn(path: string): string {
  return new URL(path, `${app}/sign-in`).origin;
}

describe("safeReturnPath", () => {
  it("keeps a path on our site, with its query and hash", () => {
    expect(safeReturnPath(conversation, app)).toBe(conversation);
    expect(safeReturnPath(`${conversation}?q=refund&status=open#m-42`, app)).toBe(`${conversation}?q=refund&status=open#m-42`);
    expect(safeReturnPath("/", app)).toBe("/");
    expect(safeReturnPath("/invite/a.b.c", app)).toBe("/invite/a.b.c");
  });

  it("keeps only path, query and hash of an absolute URL of our own site", () => {
    expect(safeReturnPath(`${app}${conversation}?x=1#y`, app)).toBe(`${conversation}?x=1#y`);
    expect(safeReturnPath("/w/acme/../acme/inbox", app)).toBe("/w/acme/inbox");
  });

  it.each([
    ["a protocol-relative URL", "//evil.example/x"],
    ["a backslash the browser reads as a slash", "/\\evil.example/x"],
    ["two backslashes", "\\\\evil.example"],
    ["slash, backslash, slash", "/\\/evil.example"],
    ["a dot segment that leaves a double slash", "/.//evil.example/x"],
    ["an absolute URL of another site", "https://evil.example/w/acme/inbox"],
    ["our host with another scheme", "http://switchboard.example/w/acme"],
    ["our host on another port", "https://switchboard.example:8443/w/acme"],
    ["a look-alike host", "https://switchboard.example.evil.example/"],
    ["credentials before another host", "https://switchboard.example@evil.example/"],
    ["a javascript: URL", "javascript:alert(document.cookie)"],
    ["a javascript: URL in capitals", "JavaScript:alert(1)"],
    ["a data: URL", "data:text/html,<script>alert(1)</script>"],
    ["another scheme with no slashes", "http:evil.example"],
  ])("refuses %s", (_what, value) => {
    expect(safeReturnPath(value, app)).toBeNull();
  });

  it.each([
    ["a tab (what `/%09/evil.example/x` arrives as)", "/\t/evil.example/x"],
    ["a newline (what `%0A` arrives as)", "\n"],
    ["a newline inside a path", "/w/acme\n/inbox"],
    ["a carriage return and header", "/w\r\nSet-Cookie: x=1"],
    ["a NUL", "/w/acme\u0000"],
    ["a leading space", " //evil.example"],
    ["a trailing space", "/w/acme "],
    ["a no-break space", "/\u00a0/evil.example"],
    ["a line separator", "/w\u2028/x"],
    ["a right-to-left override", "/w/\u202eelpmaxe.live"],
    ["a byte-order mark", "\ufeff//evil.example"],
    ["DEL", "/\u007f/evil.example"],
  ])("refuses a control character or whitespace: %s", (_what, value) => {
    expect(safeReturnPath(value, app)).toBeNull();
  });

  it("leaves percent-encoded variants encoded, so they stay paths on our site", () => {
    for (const value of ["/%09/evil.example/x", "/%2F/evil.example", "/%5Cevil.example", "/%0A", "%2F%2Fevil.example"]) {
      const path = safeReturnPath(value, app);
      expect(path, value).not.toBeNull();
      expect(landsOn(path!), value).toBe(app);
    }
  });

  it("refuses what is not a non-empty string of sensible length", () => {
    expect(safeReturnPath(undefined, app)).toBeNull();
    expect(safeReturnPath("", app)).toBeNull();
    expect(safeReturnPath(["/w/acme", "//evil.example"], app)).toBeNull();
    expect(safeReturnPath(`/w/acme/inbox?q=${"a".repeat(5000)}`, app)).toBeNull();
    expect(safeReturnPath(`/${"/".repeat(100_000)}evil.example`, app)).toBeNull();
  });

  it("never answers anything a browser would take off our site", () => {
    const nasty = [
      "//evil.example", "/\\evil.example", "/\t/evil.example", "\\/evil.example", "/../../evil.example", "/..//evil.example",
      "/./\\evil.example", "https:/evil.example", "https:\\\\evil.example", "\u0000//evil.example", "%2F%2Fevil.example",
      "/%2e%2e//evil.example", "///evil.example", "?//evil.example", "#//evil.example", "w/acme", "..", ".",
    ];
    for (const value of nasty) {
      const path = safeReturnPath(value, app);
      if (path !== null) expect(landsOn(path), value).toBe(app);
    }
  });
});
