import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { env } from "@/lib/config/env";

/**
 * AES-256-GCM for secrets we must store and later use (WhatsApp access tokens).
 * Format: "v1.<iv>.<tag>.<ciphertext>", base64url parts. The version prefix lets a
 * future key rotation tell old ciphertexts from new ones.
 */
const version = "v1";

function key(): Buffer {
  return Buffer.from(env().ENCRYPTION_KEY, "base64");
}

export function encryptSecret(plaintext: string, aad = ""): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [version, iv, cipher.getAuthTag(), data].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** Throws when the ciphertext was altered, made with another key, or bound to another `aad`. */
export function decryptSecret(sealed: string, aad = ""): string {
  const [v, iv, tag, data] = sealed.split(".");
  if (v !== version || !iv || !tag || data === undefined) throw new Error("Unrecognised encrypted secret format");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
}
