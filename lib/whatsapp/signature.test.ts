import { createHmac } from "node:crypto";
import { expect, it } from "vitest";
import { fixtureBytes } from "@/testing/fixtures";
import { checkSignature, signBody, verifyTokenMatches } from "./signature";

const secret = "0123456789abcdef0123456789abcdef";
const body = fixtureBytes("whatsapp", "text-inbound");

it("signs the raw bytes the way Meta does", () => {
  expect(signBody(body, secret)).toBe(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
});

it("accepts the signature of the exact bytes, in either hex case", () => {
  expect(checkSignature(body, signBody(body, secret), secret)).toBe("valid");
  expect(checkSignature(body, signBody(body, secret).toUpperCase().replace("SHA256=", "sha256="), secret)).toBe("valid");
});

it("rejects a body re-encoded after signing: non-ASCII text hashes differently", () => {
  const reencoded = Buffer.from(JSON.stringify(JSON.parse(body.toString("utf8"))), "utf8");
  expect(checkSignature(reencoded, signBody(body, secret), secret)).toBe("mismatch");
});

it("tells missing, malformed and wrong signatures apart", () => {
  expect(checkSignature(body, null, secret)).toBe("missing");
  expect(checkSignature(body, "", secret)).toBe("missing");
  expect(checkSignature(body, "sha256=abc", secret)).toBe("malformed");
  expect(checkSignature(body, signBody(body, secret).replace("sha256=", "sha1="), secret)).toBe("malformed");
  expect(checkSignature(body, signBody(body, "another-secret-entirely"), secret)).toBe("mismatch");
});

it("compares verify tokens exactly, whatever their lengths", () => {
  expect(verifyTokenMatches("token-123", "token-123")).toBe(true);
  expect(verifyTokenMatches("token-12", "token-123")).toBe(false);
  expect(verifyTokenMatches("", "token-123")).toBe(false);
});

it("accepts only a header that is exactly one signature, whitespace around it aside", () => {
  const valid = signBody(body, secret);
  expect(checkSignature(body, ` ${valid}\t`, secret)).toBe("valid");
  expect(checkSignature(body, `x${valid}`, secret)).toBe("malformed");
  expect(checkSignature(body, `${valid}00`, secret)).toBe("malformed");
  expect(checkSignature(body, `${valid},${signBody(body, "another-secret-entirely")}`, secret)).toBe("malformed");
});
