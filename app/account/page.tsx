import type { Metadata } from "next";
import Link from "next/link";
import { ButtonForm, ChangePasswordForm } from "@/components/auth/account-forms";
import { VerifyEmailNotice } from "@/components/auth/verify-email-notice";
import { Logo } from "@/components/logo";
import { cardClass, linkClass } from "@/components/ui/styles";
import { withPlatform, workspacesOfUser } from "@/db/platform";
import { requireUser } from "@/lib/auth/session";
import { changePasswordAction, resendVerificationAction, signOutEverywhereAction } from "./actions";

export const metadata: Metadata = { title: "Your account · Switchboard" };

/** The signed-in person's own page: their address, their password, their sessions. */
export default async function AccountPage() {
  const user = await requireUser("/account");
  const [first] = await withPlatform((tx) => workspacesOfUser(tx, user.id));
  return (
    <main className="min-h-screen bg-slate-50 px-4 py-10 dark:bg-slate-950">
      <div className="mx-auto max-w-2xl space-y-6">
        <div className="flex items-center justify-between">
          <Link href="/" aria-label="Switchboard home">
            <Logo />
          </Link>
          {first ? (
            <Link href={`/w/${first.slug}/inbox`} className={linkClass}>
              Back to {first.name}
            </Link>
          ) : null}
        </div>
        <header>
          <h1 className="text-2xl font-semibold tracking-tight">Your account</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">
            {user.name} · {user.email} · {user.emailVerified ? "address confirmed" : "address not confirmed yet"}
          </p>
        </header>
        {user.emailVerified ? null : <VerifyEmailNotice email={user.email} what="connect numbers and invite members" resend={resendVerificationAction} />}
        <section aria-labelledby="password-heading" className={`${cardClass} space-y-4 p-6`}>
          <div>
            <h2 id="password-heading" className="text-base font-semibold">
              Change password
            </h2>
            <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">Every other device signed in to your account is signed out; this one stays signed in.</p>
          </div>
          <ChangePasswordForm action={changePasswordAction} />
        </section>
        <section aria-labelledby="sessions-heading" className={`${cardClass} space-y-4 p-6`}>
          <div>
            <h2 id="sessions-heading" className="text-base font-semibold">
              Sign out everywhere
            </h2>
            <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">
              Ends every session of your account, on every device, this one included: a lost laptop or a shared computer can no longer open your
              inbox.
            </p>
          </div>
          <ButtonForm action={signOutEverywhereAction} label="Sign out everywhere" pendingLabel="Signing out…" variant="danger" />
        </section>
      </div>
    </main>
  );
}
