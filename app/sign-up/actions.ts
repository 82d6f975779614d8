"use server";

import { signUp, signUpSchema } from "@/lib/workspace/signup";
import { publicForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";

/** Creates the account and its workspace; the browser then signs in with the same password. */
export async function signUpAction(_prev: FormState, formData: FormData): Promise<FormState> {
  return publicForm(formData, {
    input: signUpSchema,
    secretFields: ["password"],
    run: signUp,
    done: ({ workspace }, _input, values) => ({ ok: true, values, result: { slug: workspace.slug } }),
  });
}
