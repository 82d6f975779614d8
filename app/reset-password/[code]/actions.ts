"use server";

import { resetPassword, resetPasswordSchema } from "@/lib/account/password-reset";
import { publicForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";

/** Sets the new password; every session signed in before ends. */
export async function resetPasswordAction(code: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return publicForm(formData, {
    input: resetPasswordSchema,
    secretFields: ["password"],
    run: (input) => resetPassword(code, input),
    done: ({ email }) => ({
      ok: true,
      message: "Your password is changed, and every device that was signed in is signed out. Sign in with your new password.",
      result: { email },
    }),
  });
}
