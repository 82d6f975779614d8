import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, lt, or, isNotNull } from "drizzle-orm";
import type { PlatformTx } from "@/db/transactions";
import { users, userTokens, userTokenPurpose } from "@/db/schema";
import { env } from "@/lib/config/env";

export type TokenPurpose = (typeof userTokenPurpose.enumValues)[number];

export const tokenLifetimeMs: Record<TokenPurpose, number> = {
  verify_email: 48 * 60 * 60 * 1000,
  reset_password: 60 * 60 * 1000,
};

const pathOf: Record<TokenPurpose, string> = { verify_email: "/verify-email", reset_password: "/reset-password" };

const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

const secretPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * A new single-use link for the user, sent to `email`. Only a SHA-256 of its secret is stored,
 * so a database leak yields no usable link; the link exists only in the mail.
 */
export async function issueToken(tx: PlatformTx, input: { userId: string; email: string; purpose: TokenPurpose }, now = new Date()): Promise<string> {
  const secret = randomBytes(32).toString("base64url");
  await tx.insert(userTokens).values({
    userId: input.userId,
    email: input.email,
    purpose: input.purpose,
    tokenHash: hashSecret(secret),
    expiresAt: new Date(now.getTime() + tokenLifetimeMs[input.purpose]),
  });
  return new URL(`${pathOf[input.purpose]}/${secret}`, env().APP_URL).toString();
}

const usable = (secret: string, purpose: TokenPurpose, now: Date) =>
  and(eq(userTokens.tokenHash, hashSecret(secret)), eq(userTokens.purpose, purpose), isNull(userTokens.usedAt), gt(userTokens.expiresAt, now));

/** Whether a link is genuine, unused and unexpired, without using it up (the page that shows its form). */
export async function tokenIsUsable(tx: PlatformTx, secret: string, purpose: TokenPurpose, now = new Date()): Promise<boolean> {
  if (!secretPattern.test(secret)) return false;
  const [found] = await tx
    .select({ id: userTokens.id })
    .from(userTokens)
    .innerJoin(users, and(eq(users.id, userTokens.userId), eq(users.email, userTokens.email)))
    .where(usable(secret, purpose, now));
  return found !== undefined;
}

/**
 * Uses up a link: the user it was for, or null when it is not genuine, was used, has expired,
 * or was sent to an address the account no longer has. The UPDATE … WHERE unused is what makes
 * it single-use: of two concurrent uses, one finds nothing to update.
 */
export async function consumeToken(tx: PlatformTx, secret: string, purpose: TokenPurpose, now = new Date()): Promise<{ userId: string; email: string } | null> {
  if (!secretPattern.test(secret)) return null;
  const [used] = await tx
    .update(userTokens)
    .set({ usedAt: now })
    .where(usable(secret, purpose, now))
    .returning({ userId: userTokens.userId, email: userTokens.email });
  if (!used) return null;
  const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, used.userId));
  return user?.email === used.email ? used : null;
}

/** Every other unused link of this purpose stops working (after a reset, the older reset links). */
export async function retireTokens(tx: PlatformTx, userId: string, purpose: TokenPurpose, now = new Date()): Promise<void> {
  await tx
    .update(userTokens)
    .set({ usedAt: now })
    .where(and(eq(userTokens.userId, userId), eq(userTokens.purpose, purpose), isNull(userTokens.usedAt)));
}

/** Links used or expired more than a day ago; returns how many were deleted. */
export async function pruneTokens(tx: PlatformTx, now = new Date()): Promise<number> {
  const dayAgo = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const removed = await tx
    .delete(userTokens)
    .where(or(lt(userTokens.expiresAt, dayAgo), and(isNotNull(userTokens.usedAt), lt(userTokens.usedAt, dayAgo))))
    .returning({ id: userTokens.id });
  return removed.length;
}
