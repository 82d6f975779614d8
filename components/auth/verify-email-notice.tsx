import { ButtonForm } from "@/components/auth/account-forms";
import type { FormState } from "@/lib/forms";

/**
 * Why an unconfirmed account cannot connect numbers or invite members, and the way out: the
 * mailed link, or a new one.
 */
export function VerifyEmailNotice({ email, what, resend }: { email: string; what: string; resend: (prev: FormState, formData: FormData) => Promise<FormState> }) {
  return (
    <section
      aria-labelledby="verify-email-heading"
      className="space-y-3 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
    >
      <h2 id="verify-email-heading" className="font-semibold">
        Confirm your email address to {what}
      </h2>
      <p>
        We sent a confirmation link to <strong>{email}</strong>. Open it, then come back here. This makes sure that whoever speaks for
        your business to Meta and to your team owns this address.
      </p>
      <ButtonForm action={resend} label="Resend the confirmation mail" pendingLabel="Sending…" />
    </section>
  );
}
