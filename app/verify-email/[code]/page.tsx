import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { ConfirmEmailForm } from "@/components/auth/account-forms";
import { buttonClass } from "@/components/ui/styles";
import { verificationLinkUsable } from "@/lib/account/verification";
import { confirmEmailAction } from "./actions";

export const metadata: Metadata = { title: "Confirm your email · Switchboard", referrer: "no-referrer" };

export default async function VerifyEmailPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  if (!(await verificationLinkUsable(code))) {
    return (
      <AuthCard title="This link can't be used" subtitle="It may have been used already, or it expired (confirmation links last 48 hours).">
        <p className="text-sm text-slate-600 dark:text-slate-300">Sign in: the settings pages offer to send you a new link.</p>
        <Link href="/sign-in" className={`${buttonClass.secondary} mt-6 w-full`}>
          Sign in
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Confirm your email address" subtitle="One click, and your account can connect WhatsApp numbers and invite your team.">
      <ConfirmEmailForm action={confirmEmailAction.bind(null, code)} />
    </AuthCard>
  );
}
