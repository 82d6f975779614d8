import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { ResetPasswordForm } from "@/components/auth/account-forms";
import { buttonClass } from "@/components/ui/styles";
import { resetLinkUsable } from "@/lib/account/password-reset";
import { resetPasswordAction } from "./actions";

export const metadata: Metadata = { title: "Choose a new password · Switchboard", referrer: "no-referrer" };

export default async function ResetPasswordPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  if (!(await resetLinkUsable(code))) {
    return (
      <AuthCard title="This link can't be used" subtitle="It may have been used already, or it expired (reset links last 1 hour).">
        <Link href="/forgot-password" className={`${buttonClass.secondary} w-full`}>
          Ask for a new link
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password" subtitle="Setting it signs you out on every device.">
      <ResetPasswordForm action={resetPasswordAction.bind(null, code)} />
    </AuthCard>
  );
}
