"use server";

import { z } from "zod";
import { verifyEmail } from "@/lib/account/verification";
import { publicForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";

/** Uses up the confirmation link: the address it was sent to is proven. */
export async function confirmEmailAction(code: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return publicForm(formData, {
    input: z.object({}),
    run: () => verifyEmail(code),
    done: ({ email }) => ({ ok: true, message: `${email} is confirmed. You can now connect WhatsApp numbers and invite your team.` }),
  });
}
