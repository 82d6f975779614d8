"use client";

import Link from "next/link";
import { signIn } from "next-auth/react";
import { useActionState } from "react";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { buttonClass } from "@/components/ui/styles";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";

/**
 * Runs a server action that creates an account, then signs the new user in from the
 * browser (next-auth owns the session cookie) and opens `destination(result)`.
 */
export function useCreateAccountAndSignIn(
  serverAction: (prev: FormState, formData: FormData) => Promise<FormState>,
  destination: (result: Record<string, string>) => string,
) {
  return useActionState(async (prev: FormState, formData: FormData): Promise<FormState> => {
    const state = await serverAction(prev, formData);
    if (!state.ok || !state.result) return state;
    const email = state.result.email ?? String(formData.get("email"));
    const signedIn = await signIn("credentials", { email, password: formData.get("password"), redirect: false });
    if (!signedIn?.ok || signedIn.error) {
      return { ok: false, message: "Your account is ready, but signing in failed. Sign in with your new password.", values: state.values };
    }
    window.location.assign(destination(state.result));
    return state;
  }, {});
}

/**
 * Sign-up answers every address the same way, "check your inbox", whether or not it has an
 * account: the next step is in the mail, and signing in works before it is followed.
 */
export function SignUpForm({ action }: { action: (prev: FormState, formData: FormData) => Promise<FormState> }) {
  const [state, formAction, pending] = useActionState(action, {});
  const errors = state.fieldErrors ?? {};
  if (state.ok && state.result?.email) return <CheckYourInbox email={state.result.email} />;
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage ok={false} message={state.ok ? undefined : state.message} />
      <Field label="Your name" name="name" autoComplete="name" defaultValue={state.values?.name} errors={errors.name} required />
      <Field label="Work email" name="email" type="email" autoComplete="email" defaultValue={state.values?.email} errors={errors.email} required />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters."
        errors={errors.password}
        required
      />
      <Field
        label="Workspace name"
        name="workspaceName"
        autoComplete="organization"
        hint="Usually your company or team. You can change it later."
        defaultValue={state.values?.workspaceName}
        errors={errors.workspaceName}
        required
      />
      <SubmitButton pending={pending} pendingLabel="Creating your account…" className="w-full">
        Create account
      </SubmitButton>
    </form>
  );
}

function CheckYourInbox({ email }: { email: string }) {
  return (
    <div className="space-y-4 text-sm" role="status">
      <h2 className="text-base font-semibold">Check your inbox</h2>
      <p>
        We sent a mail to <strong>{email}</strong>. Open the link in it to confirm your address: until then you can sign in and look
        around, but not connect WhatsApp numbers or invite your team.
      </p>
      <p className="text-slate-500 dark:text-slate-400">No mail after a few minutes? Look in your spam folder, or sign in and ask for a new link.</p>
      <Link href={`/sign-in?email=${encodeURIComponent(email)}`} className={`${buttonClass.primary} w-full`}>
        Sign in
      </Link>
    </div>
  );
}
