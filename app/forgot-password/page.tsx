import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { ForgotPasswordForm } from "@/components/auth/account-forms";
import { linkClass } from "@/components/ui/styles";
import { forgotPasswordAction } from "./actions";

export const metadata: Metadata = { title: "Reset your password · Switchboard" };

export default async function ForgotPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { email } = await searchParams;
  return (
    <AuthCard
      title="Reset your password"
      subtitle="We mail you a link to choose a new one."
      footer={
        <Link href="/sign-in" className={linkClass}>
          Back to sign in
        </Link>
      }
    >
      <ForgotPasswordForm action={forgotPasswordAction} email={typeof email === "string" ? email : undefined} />
    </AuthCard>
  );
}
