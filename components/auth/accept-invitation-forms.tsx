"use client";

import { ActionForm } from "@/components/forms/action-form";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";
import { useCreateAccountAndSignIn } from "./sign-up-form";

type Action = (prev: FormState, formData: FormData) => Promise<FormState>;

export function JoinWorkspaceForm({ action, workspaceName }: { action: Action; workspaceName: string }) {
  return (
    <ActionForm action={action}>
      {() => (
        <SubmitButton pendingLabel="Joining…" className="w-full">
          Join {workspaceName}
        </SubmitButton>
      )}
    </ActionForm>
  );
}

export function CreateAccountFromInvitationForm({ action, email }: { action: Action; email: string }) {
  const [state, formAction, pending] = useCreateAccountAndSignIn(action, (result) => `/w/${result.slug}/inbox`);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage ok={false} message={state.ok ? undefined : state.message} />
      <Field label="Email" name="invitedEmail" type="email" value={email} readOnly disabled hint="The invitation was sent to this address." errors={errors.email} />
      <Field label="Your name" name="name" autoComplete="name" defaultValue={state.values?.name} errors={errors.name} required />
      <Field
        label="Choose a password"
        name="password"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters."
        errors={errors.password}
        required
      />
      <SubmitButton pending={pending || state.ok} pendingLabel="Creating your account…" className="w-full">
        Create account and join
      </SubmitButton>
    </form>
  );
}
