"use server";

import { redirect } from "next/navigation";
import { assertSameOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { formValues, invalidForm, type FormState } from "@/lib/forms";
import { runForForm } from "@/lib/server/action";
import { acceptAsNewUserSchema, acceptInvitation, acceptInvitationAsNewUser } from "@/lib/workspace/invitations";

/** A signed-in user joins the workspace the invitation is for. */
export async function acceptInvitationAction(code: string): Promise<FormState> {
  await assertSameOrigin();
  const user = await requireUser(`/invite/${encodeURIComponent(code)}`);
  const outcome = await runForForm(() => acceptInvitation(code, user));
  if (!outcome.ok) return outcome.state;
  redirect(`/w/${outcome.value.slug}/inbox`);
}

/** Someone new creates their account from the invitation; the browser then signs them in. */
export async function acceptAsNewUserAction(code: string, _prev: FormState, formData: FormData): Promise<FormState> {
  await assertSameOrigin();
  const values = formValues(formData, ["password"]);
  const parsed = acceptAsNewUserSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, values);
  const outcome = await runForForm(() => acceptInvitationAsNewUser(code, parsed.data), values);
  if (!outcome.ok) return outcome.state;
  return { ok: true, values, result: { slug: outcome.value.slug, email: outcome.value.email } };
}
