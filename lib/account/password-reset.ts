import { eq } from "drizzle-orm";
import { z } from "zod";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { emailSchema } from "@/lib/auth/credentials";
import { hashPassword, newPasswordSchema } from "@/lib/auth/password";
import { AppError, rejected } from "@/lib/domain/errors";
import { resetPasswordMail } from "@/lib/mail/messages";
import { sendMailLater } from "@/lib/mail/transport";
import { mailThrottleMessage, reserveMail } from "./mail-throttle";
import { endSessions } from "./sessions";
import { consumeToken, issueToken, retireTokens, tokenIsUsable } from "./tokens";

export const resetRequestSchema = z.object({ email: emailSchema });
export const resetPasswordSchema = z.object({ password: newPasswordSchema });

/**
 * Mails a reset link when the address has an account; the caller answers the same either way,
 * and both ways count against the mail limits (per address and per client), so neither the
 * answer nor the limit tells whether an account exists.
 */
export async function requestPasswordReset(input: z.infer<typeof resetRequestSchema>, ip: string, now = new Date()): Promise<void> {
  const mail = await withPlatform(async (tx) => {
    const verdict = await reserveMail(tx, { email: input.email, ip }, now);
    if (!verdict.allowed) throw new AppError("rate_limited", mailThrottleMessage(verdict.retryAt, now));
    const [user] = await tx.select({ id: users.id, email: users.email }).from(users).where(eq(users.email, input.email));
    if (!user) return null;
    return resetPasswordMail(user.email, await issueToken(tx, { userId: user.id, email: user.email, purpose: "reset_password" }, now));
  });
  if (mail) sendMailLater(mail);
}

export const invalidResetMessage =
  "This password reset link is not valid any more: it may have been used already or have expired (links last 1 hour). Ask for a new one.";

export async function resetLinkUsable(secret: string, now = new Date()): Promise<boolean> {
  return withPlatform((tx) => tokenIsUsable(tx, secret, "reset_password", now));
}

/**
 * Sets a new password through a reset link: the link is used up with every other reset link of
 * the account, the address counts as proven (the link reached its inbox), and every session
 * signed in before now ends on its next request.
 */
export async function resetPassword(secret: string, input: z.infer<typeof resetPasswordSchema>, now = new Date()): Promise<{ email: string }> {
  const passwordHash = await hashPassword(input.password);
  return withPlatform(async (tx) => {
    const used = await consumeToken(tx, secret, "reset_password", now);
    if (!used) throw rejected(invalidResetMessage);
    await retireTokens(tx, used.userId, "reset_password", now);
    const [user] = await tx.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, used.userId));
    await tx
      .update(users)
      .set({ passwordHash, emailVerifiedAt: user?.verifiedAt ?? now })
      .where(eq(users.id, used.userId));
    await endSessions(tx, used.userId, now);
    return { email: used.email };
  });
}
