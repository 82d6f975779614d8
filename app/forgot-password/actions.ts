"use server";

import { headers } from "next/headers";
import { requestPasswordReset, resetRequestSchema } from "@/lib/account/password-reset";
import { clientIp } from "@/lib/auth/credentials";
import { publicForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";

/** The same answer whether or not the address has an account. */
export async function forgotPasswordAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const ip = clientIp(await headers());
  return publicForm(formData, {
    input: resetRequestSchema,
    run: (input) => requestPasswordReset(input, ip),
    done: (_result, input) => ({
      ok: true,
      message: `If ${input.email} has a Switchboard account, a link to choose a new password is on its way. It works once, for 1 hour.`,
    }),
  });
}
