"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { publicForm, userForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";
import { acceptAsNewUserSchema, acceptInvitation, acceptInvitationAsNewUser } from "@/lib/workspace/invitations";

/** A signed-in user joins the workspace the invitation is for. */
export async function acceptInvitationAction(code: string): Promise<FormState> {
  return userForm(`/invite/${encodeURIComponent(code)}`, new FormData(), {
    input: z.object({}),
    run: (user) => acceptInvitation(code, user),
    done: ({ slug }) => redirect(`/w/${slug}/inbox`),
  });
}

/** Someone new creates their account from the invitation; the browser then signs them in. */
export async function acceptAsNewUserAction(code: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return publicForm(formData, {
    input: acceptAsNewUserSchema,
    secretFields: ["password"],
    run: (input) => acceptInvitationAsNewUser(code, input),
    done: ({ slug, email }, _input, values) => ({ ok: true, values, result: { slug, email } }),
  });
}
