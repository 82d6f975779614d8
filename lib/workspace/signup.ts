import { eq } from "drizzle-orm";
import { z } from "zod";
import type { PlatformTx } from "@/db/transactions";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { rejected } from "@/lib/domain/errors";
import { createWorkspace, workspaceNameSchema } from "@/lib/workspace/workspaces";
import { reserveMail } from "@/lib/account/mail-throttle";
import { issueToken } from "@/lib/account/tokens";
import { verificationMail } from "@/lib/account/verification";
import { emailSchema } from "@/lib/auth/credentials";
import { hashPassword, newPasswordSchema } from "@/lib/auth/password";
import { signUpAttemptMail } from "@/lib/mail/messages";
import { sendMailLater } from "@/lib/mail/transport";
import { typedText } from "@/lib/typed-text";

export const personNameSchema = typedText().trim().min(1, "Enter your name.").max(120, "Keep your name under 120 characters.");

export const signUpSchema = z.object({
  name: personNameSchema,
  email: emailSchema,
  password: newPasswordSchema,
  workspaceName: workspaceNameSchema,
});

export type SignUpInput = z.infer<typeof signUpSchema>;

/** A user row on an open platform transaction; a taken email is a rule the person can act on. */
export async function insertUser(tx: PlatformTx, input: { name: string; email: string; passwordHash: string; emailVerifiedAt?: Date }) {
  const user = await tryInsertUser(tx, input);
  if (!user) throw rejected("An account with this email already exists. Sign in instead.", "email");
  return user;
}

async function tryInsertUser(tx: PlatformTx, input: { name: string; email: string; passwordHash: string; emailVerifiedAt?: Date }) {
  const [user] = await tx
    .insert(users)
    .values(input)
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id, email: users.email, name: users.name });
  return user;
}

/**
 * The user, their workspace and their owner membership: one transaction, all or nothing. For
 * accounts the operator makes (the demo seed, benches): `emailVerified` says the address needs
 * no proof. People sign up through `register`.
 */
export async function signUp(input: SignUpInput, options: { emailVerified?: boolean } = {}) {
  const passwordHash = await hashPassword(input.password);
  return withPlatform(async (tx) => {
    const emailVerifiedAt = options.emailVerified ? new Date() : undefined;
    const user = await insertUser(tx, { name: input.name, email: input.email, passwordHash, emailVerifiedAt });
    const workspace = await createWorkspace({ tx, userId: user.id }, { name: input.workspaceName });
    return { user, workspace };
  });
}

/**
 * Sign-up as a stranger sees it: the same answer, in about the same time (the password is
 * hashed either way), whether or not the address has an account. A new address gets its
 * account and workspace, unverified, and a confirmation link; an address that has an account
 * gets a mail telling its owner, with a way to reset the password, and nothing else changes.
 * Mails count against the per-address and per-client limits; over them, none is sent and the
 * answer still does not change.
 */
export async function register(input: SignUpInput, ip: string, now = new Date()): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  const mail = await withPlatform(async (tx) => {
    const mayMail = (await reserveMail(tx, { email: input.email, ip }, now)).allowed;
    const user = await tryInsertUser(tx, { name: input.name, email: input.email, passwordHash });
    if (user) {
      // Before the workspace: creating it turns this transaction into the workspace's.
      const mail = mayMail ? await verificationMail(tx, user, now) : null;
      await createWorkspace({ tx, userId: user.id }, { name: input.workspaceName });
      return mail;
    }
    if (!mayMail) return null;
    const [owner] = await tx.select({ id: users.id, email: users.email }).from(users).where(eq(users.email, input.email));
    return signUpAttemptMail(owner!.email, await issueToken(tx, { userId: owner!.id, email: owner!.email, purpose: "reset_password" }, now));
  });
  if (mail) sendMailLater(mail);
}
