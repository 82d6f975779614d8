"use server";

import { assertSameOrigin } from "@/lib/auth/origin";
import { signUp, signUpSchema } from "@/lib/workspace/signup";
import { formValues, invalidForm, type FormState } from "@/lib/forms";
import { runForForm } from "@/lib/server/action";

/** Creates the account and its workspace; the browser then signs in with the same password. */
export async function signUpAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await assertSameOrigin();
  const values = formValues(formData, ["password"]);
  const parsed = signUpSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, values);
  const outcome = await runForForm(() => signUp(parsed.data), values);
  if (!outcome.ok) return outcome.state;
  return { ok: true, values, result: { slug: outcome.value.workspace.slug } };
}
