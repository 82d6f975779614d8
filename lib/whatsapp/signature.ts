import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Meta signs every webhook POST: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
 * raw body, keyed with the app secret>`. The HMAC must be computed over the exact bytes
 * received; re-serialized JSON hashes differently.
 */
export const signatureHeaderName = "x-hub-signature-256";

export type SignatureCheck = "valid" | "missing" | "malformed" | "mismatch";

export function signBody(body: Uint8Array, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}

export function checkSignature(body: Uint8Array, header: string | null | undefined, appSecret: string): SignatureCheck {
  if (!header) return "missing";
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return "malformed";
  const expected = createHmac("sha256", appSecret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, "hex")) ? "valid" : "mismatch";
}

/**
 * The GET handshake's token, compared in constant time. Both sides are hashed first so
 * that neither the comparison nor an early length check reveals anything about the token.
 */
export function verifyTokenMatches(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}
