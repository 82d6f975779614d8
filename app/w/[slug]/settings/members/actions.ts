"use server";

import { workspaceForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";
import { createInvitation, inviteSchema, revokeInvitation, revokeInvitationSchema } from "@/lib/workspace/invitations";
import { changeRole, changeRoleSchema, memberSchema, removeMember } from "@/lib/workspace/members";

export async function inviteMemberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: inviteSchema,
    run: ({ actor, inTenant }, input) => inTenant(({ tx }) => createInvitation(tx, actor, input)),
    done: ({ link }, { email }) => ({ ok: true, result: { link, email } }),
  });
}

export async function revokeInvitationAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: revokeInvitationSchema,
    keepValues: false,
    invalid: { ok: false, message: "Choose an invitation to revoke." },
    run: ({ actor, inTenant }, input) => inTenant(({ tx }) => revokeInvitation(tx, actor, input)),
    done: () => ({ ok: true, message: "Invitation revoked." }),
  });
}

export async function changeRoleAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: changeRoleSchema,
    run: ({ actor, inTenant }, input) => inTenant(({ tx }) => changeRole(tx, actor, input)),
    done: () => ({ ok: true, message: "Role updated." }),
  });
}

export async function removeMemberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: memberSchema,
    keepValues: false,
    invalid: { ok: false, message: "Choose a member to remove." },
    run: ({ actor, inTenant }, input) => inTenant(({ tx }) => removeMember(tx, actor, input)),
    done: () => ({ ok: true, message: "Member removed." }),
  });
}
