"use client";

import Link from "next/link";
import { ActionForm } from "@/components/forms/action-form";
import { Field } from "@/components/ui/field";
import { buttonClass } from "@/components/ui/styles";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";

type Action = (prev: FormState, formData: FormData) => Promise<FormState>;

/** The one button of a confirmation link's page: following a link confirms nothing until it is pressed. */
export function ConfirmEmailForm({ action }: { action: Action }) {
  return (
    <ActionForm action={action}>
      {(state) =>
        state.ok ? (
          <Link href="/" className={`${buttonClass.primary} w-full`}>
            Continue to Switchboard
          </Link>
        ) : (
          <SubmitButton pendingLabel="Confirming…" className="w-full">
            Confirm my email address
          </SubmitButton>
        )
      }
    </ActionForm>
  );
}

export function ForgotPasswordForm({ action, email }: { action: Action; email?: string }) {
  return (
    <ActionForm action={action}>
      {(state) =>
        state.ok ? null : (
          <>
            <Field label="Email" name="email" type="email" autoComplete="email" defaultValue={state.values?.email ?? email} errors={state.fieldErrors?.email} required />
            <SubmitButton pendingLabel="Sending…" className="w-full">
              Send me a reset link
            </SubmitButton>
          </>
        )
      }
    </ActionForm>
  );
}

export function ResetPasswordForm({ action }: { action: Action }) {
  return (
    <ActionForm action={action}>
      {(state) =>
        state.ok ? (
          <Link href={`/sign-in?email=${encodeURIComponent(state.result?.email ?? "")}`} className={`${buttonClass.primary} w-full`}>
            Sign in
          </Link>
        ) : (
          <>
            <Field label="New password" name="password" type="password" autoComplete="new-password" hint="At least 8 characters." errors={state.fieldErrors?.password} required />
            <SubmitButton pendingLabel="Saving…" className="w-full">
              Set new password
            </SubmitButton>
          </>
        )
      }
    </ActionForm>
  );
}

export function ChangePasswordForm({ action }: { action: Action }) {
  return (
    <ActionForm action={action}>
      {(state) => (
        <>
          <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" errors={state.fieldErrors?.currentPassword} required />
          <Field label="New password" name="newPassword" type="password" autoComplete="new-password" hint="At least 8 characters." errors={state.fieldErrors?.newPassword} required />
          <SubmitButton pendingLabel="Saving…">Change password</SubmitButton>
        </>
      )}
    </ActionForm>
  );
}

/** A form of one button (sign out everywhere, resend the confirmation link). */
export function ButtonForm({ action, label, pendingLabel, variant = "secondary" }: { action: Action; label: string; pendingLabel: string; variant?: "secondary" | "danger" }) {
  return (
    <ActionForm action={action} className="space-y-3">
      {() => (
        <SubmitButton variant={variant} pendingLabel={pendingLabel}>
          {label}
        </SubmitButton>
      )}
    </ActionForm>
  );
}
