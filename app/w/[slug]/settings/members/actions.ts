"use server";

import { workspaceForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";
import { createInvitation, inviteSchema, mailInvitation, revokeInvitation, revokeInvitationSchema } from "@/lib/workspace/invitations";
import { changeRole, changeRoleSchema, memberSchema, removeMember } from "@/lib/workspace/members";

export async function inviteMemberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: inviteSchema,
    run: async ({ inTenant, access }, input) => {
      const invitation = await inTenant((ctx) => createInvitation(ctx, input));
      const mailed = await mailInvitation({ ...invitation, email: input.email, role: input.role }, { workspaceName: access.workspace.name, inviterName: access.user.name });
      return { link: invitation.link, mailed };
    },
    done: ({ link, mailed }, { email }) => ({ ok: true, result: { link, email, mailed: mailed ? "yes" : "no" } }),
  });
}

export async function revokeInvitationAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: revokeInvitationSchema,
    keepValues: false,
    invalid: { ok: false, message: "Choose an invitation to revoke." },
    run: ({ inTenant }, input) => inTenant((ctx) => revokeInvitation(ctx, input)),
    done: () => ({ ok: true, message: "Invitation revoked." }),
  });
}

export async function changeRoleAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: changeRoleSchema,
    run: ({ inTenant }, input) => inTenant((ctx) => changeRole(ctx, input)),
    done: () => ({ ok: true, message: "Role updated." }),
  });
}

export async function removeMemberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: memberSchema,
    keepValues: false,
    invalid: { ok: false, message: "Choose a member to remove." },
    run: ({ inTenant }, input) => inTenant((ctx) => removeMember(ctx, input)),
    done: () => ({ ok: true, message: "Member removed." }),
  });
}
