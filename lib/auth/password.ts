import { z } from "zod";
import { hash, verify, type Algorithm } from "@node-rs/argon2";

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const argon2id: Algorithm.Argon2id = 2;
const options = { algorithm: argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const passwordRules = { min: 8, max: 256 } as const;

export const newPasswordSchema = z
  .string()
  .min(passwordRules.min, `Use at least ${passwordRules.min} characters.`)
  .max(passwordRules.max, `Use at most ${passwordRules.max} characters.`);

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

let decoy: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. With no hash (no such user) it still spends
 * the time of a real check, so response time does not tell which emails have accounts.
 */
export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  if (storedHash === null) {
    decoy ??= hashPassword("decoy password that matches no account");
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}
