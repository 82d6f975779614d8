"use server";

import { headers } from "next/headers";
import { register, signUpSchema } from "@/lib/workspace/signup";
import { clientIp } from "@/lib/auth/credentials";
import { publicForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";

/** Creates the account and its workspace, or mails the address's owner; the answer is the same. */
export async function signUpAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const ip = clientIp(await headers());
  return publicForm(formData, {
    input: signUpSchema,
    secretFields: ["password"],
    run: (input) => register(input, ip),
    done: (_result, input, values) => ({ ok: true, values, result: { email: input.email } }),
  });
}
