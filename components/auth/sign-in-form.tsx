"use client";

import { signIn } from "next-auth/react";
import { useActionState } from "react";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";

const wrongCredentials = "That email and password do not match an account. Check them and try again.";

/** Signs in through next-auth from the browser; the server's refusal is shown as it says it. */
export function SignInForm({ callbackUrl, email }: { callbackUrl: string; email?: string }) {
  const [state, action, pending] = useActionState(async (_prev: FormState, formData: FormData): Promise<FormState> => {
    const values = { email: String(formData.get("email") ?? "") };
    const fieldErrors: Record<string, string[]> = {};
    if (!values.email.trim()) fieldErrors.email = ["Enter your email address."];
    if (!formData.get("password")) fieldErrors.password = ["Enter your password."];
    if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors, values };
    try {
      const result = await signIn("credentials", { email: values.email, password: formData.get("password"), redirect: false });
      if (result?.ok && !result.error) {
        window.location.assign(callbackUrl);
        return { ok: true, values };
      }
      return { ok: false, message: !result?.error || result.error === "CredentialsSignin" ? wrongCredentials : result.error, values };
    } catch {
      return { ok: false, message: "Could not reach Switchboard. Check your connection and try again.", values };
    }
  }, { values: { email: email ?? "" } });

  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage ok={false} message={state.ok ? undefined : state.message} />
      <Field label="Email" name="email" type="email" autoComplete="email" defaultValue={state.values?.email} errors={state.fieldErrors?.email} required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" errors={state.fieldErrors?.password} required />
      <SubmitButton pending={pending || state.ok} pendingLabel="Signing in…" className="w-full">
        Sign in
      </SubmitButton>
    </form>
  );
}
