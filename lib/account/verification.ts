import { and, eq, isNull } from "drizzle-orm";
import type { PlatformTx, TenantTx } from "@/db/transactions";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { AppError, rejected } from "@/lib/domain/errors";
import { verifyEmailMail } from "@/lib/mail/messages";
import { sendMailLater } from "@/lib/mail/transport";
import { mailThrottleMessage, reserveMail } from "./mail-throttle";
import { consumeToken, issueToken, tokenIsUsable } from "./tokens";

export const unverifiedMessage =
  "Confirm your email address first: open the link we mailed you. Until then you can use the inbox, but not connect numbers or invite members.";

/**
 * Connecting numbers and inviting members speak for the business to Meta and to other people,
 * so they wait until the account's owner has proven the address: someone who signed up with
 * another person's address gets no further than an empty workspace.
 */
export async function requireVerifiedEmail(tx: TenantTx | PlatformTx, userId: string): Promise<void> {
  const [user] = await tx.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, userId));
  if (!user?.verifiedAt) throw new AppError("conflict", unverifiedMessage, { code: "email_unverified" });
}

/** A verification link for the account's current address, mailed once the transaction that made it has committed. */
export async function verificationMail(tx: PlatformTx, user: { id: string; email: string }, now = new Date()) {
  return verifyEmailMail(user.email, await issueToken(tx, { userId: user.id, email: user.email, purpose: "verify_email" }, now));
}

/** "Resend": a new link for a signed-in user who has not confirmed yet, within the mail limits. */
export async function resendVerification(user: { id: string; email: string }, ip: string, now = new Date()): Promise<void> {
  const mail = await withPlatform(async (tx) => {
    const [row] = await tx.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, user.id));
    if (row?.verifiedAt) throw new AppError("conflict", "Your email address is already confirmed.");
    const verdict = await reserveMail(tx, { email: user.email, ip }, now);
    if (!verdict.allowed) throw new AppError("rate_limited", mailThrottleMessage(verdict.retryAt, now));
    return verificationMail(tx, user, now);
  });
  sendMailLater(mail);
}

export const invalidVerificationMessage =
  "This confirmation link is not valid any more: it may have been used already or have expired. Sign in and ask for a new one.";

export async function verificationLinkUsable(secret: string, now = new Date()): Promise<boolean> {
  return withPlatform((tx) => tokenIsUsable(tx, secret, "verify_email", now));
}

/** Uses up a verification link and marks the address it was sent to as proven. */
export async function verifyEmail(secret: string, now = new Date()): Promise<{ email: string }> {
  return withPlatform(async (tx) => {
    const used = await consumeToken(tx, secret, "verify_email", now);
    if (!used) throw rejected(invalidVerificationMessage);
    await tx
      .update(users)
      .set({ emailVerifiedAt: now })
      .where(and(eq(users.id, used.userId), isNull(users.emailVerifiedAt)));
    return { email: used.email };
  });
}
