"use server";

import { revalidatePath } from "next/cache";
import { withTenant } from "@/db/tenant";
import { requireWorkspaceAction } from "@/lib/edge/workspace-access";
import { formValues, invalidForm, type FormState } from "@/lib/forms";
import { runForForm } from "@/lib/server/action";
import { createInvitation, inviteSchema, revokeInvitation, revokeInvitationSchema } from "@/lib/workspace/invitations";
import { changeRole, changeRoleSchema, memberSchema, removeMember } from "@/lib/workspace/members";

export async function inviteMemberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const values = formValues(formData);
  const parsed = inviteSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, values);
  const outcome = await runForForm(() => withTenant(access.tenantId, (tx) => createInvitation(tx, access, parsed.data)), values);
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, result: { link: outcome.value.link, email: parsed.data.email } };
}

export async function revokeInvitationAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const parsed = revokeInvitationSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Choose an invitation to revoke." };
  const outcome = await runForForm(() => withTenant(access.tenantId, (tx) => revokeInvitation(tx, access, parsed.data)));
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, message: "Invitation revoked." };
}

export async function changeRoleAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const values = formValues(formData);
  const parsed = changeRoleSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, values);
  const outcome = await runForForm(() => withTenant(access.tenantId, (tx) => changeRole(tx, access, parsed.data)), values);
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, message: "Role updated." };
}

export async function removeMemberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const parsed = memberSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Choose a member to remove." };
  const outcome = await runForForm(() => withTenant(access.tenantId, (tx) => removeMember(tx, access, parsed.data)));
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, message: "Member removed." };
}
