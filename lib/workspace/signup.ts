import { z } from "zod";
import type { PlatformTx } from "@/db/transactions";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { rejected } from "@/lib/domain/errors";
import { createWorkspace, workspaceNameSchema } from "@/lib/workspace/workspaces";
import { emailSchema } from "@/lib/auth/credentials";
import { hashPassword, passwordRules } from "@/lib/auth/password";
import { typedText } from "@/lib/typed-text";

export const personNameSchema = typedText().trim().min(1, "Enter your name.").max(120, "Keep your name under 120 characters.");

export const newPasswordSchema = z
  .string()
  .min(passwordRules.min, `Use at least ${passwordRules.min} characters.`)
  .max(passwordRules.max, `Use at most ${passwordRules.max} characters.`);

export const signUpSchema = z.object({
  name: personNameSchema,
  email: emailSchema,
  password: newPasswordSchema,
  workspaceName: workspaceNameSchema,
});

export type SignUpInput = z.infer<typeof signUpSchema>;

/** A user row on an open platform transaction; a taken email is a rule the person can act on. */
export async function insertUser(tx: PlatformTx, input: { name: string; email: string; passwordHash: string }) {
  const [user] = await tx
    .insert(users)
    .values(input)
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id, email: users.email, name: users.name });
  if (!user) throw rejected("An account with this email already exists. Sign in instead.", "email");
  return user;
}

/** The user, their workspace and their owner membership: one transaction, all or nothing. */
export async function signUp(input: SignUpInput) {
  const passwordHash = await hashPassword(input.password);
  return withPlatform(async (tx) => {
    const user = await insertUser(tx, { name: input.name, email: input.email, passwordHash });
    const workspace = await createWorkspace({ tx, userId: user.id }, { name: input.workspaceName });
    return { user, workspace };
  });
}
