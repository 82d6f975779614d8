import { eq } from "drizzle-orm";
import { z } from "zod";
import type { PlatformTx } from "@/db/transactions";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { hashPassword, newPasswordSchema, passwordRules, verifyPassword } from "@/lib/auth/password";
import { rejected } from "@/lib/domain/errors";

/**
 * Every session token of the user issued before `now` is refused from its next request on
 * (lib/auth/session.ts compares each token's sign-in time with this one). The caller that
 * keeps its own session issues itself a new token dated `now`.
 */
export async function endSessions(tx: PlatformTx, userId: string, now = new Date()): Promise<void> {
  await tx.update(users).set({ tokensValidAfter: now }).where(eq(users.id, userId));
}

/** "Sign out everywhere": this browser too. */
export async function signOutEverywhere(userId: string, now = new Date()): Promise<void> {
  await withPlatform((tx) => endSessions(tx, userId, now));
}

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, "Enter your current password.").max(passwordRules.max),
  newPassword: newPasswordSchema,
});

/** A new password, given the current one; every other session ends. */
export async function changePassword(userId: string, input: z.infer<typeof changePasswordSchema>, now = new Date()): Promise<void> {
  const [user] = await withPlatform((tx) => tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)));
  if (!(await verifyPassword(user?.passwordHash ?? null, input.currentPassword))) {
    throw rejected("That is not your current password. Type it again, or sign out and reset it.", "currentPassword");
  }
  const passwordHash = await hashPassword(input.newPassword);
  await withPlatform(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
    await endSessions(tx, userId, now);
  });
}
