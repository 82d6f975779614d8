import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { SignInForm } from "@/components/auth/sign-in-form";
import { linkClass } from "@/components/ui/styles";
import { safeReturnPath } from "@/lib/auth/return-path";
import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/config/env";

export const metadata: Metadata = { title: "Sign in · Switchboard" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeReturnPath(params.callbackUrl, env().APP_URL) ?? "/";
  if (await currentUser()) redirect(callbackUrl);
  const email = typeof params.email === "string" ? params.email : undefined;
  return (
    <AuthCard
      title="Sign in"
      subtitle="Welcome back. Sign in to answer your customers."
      footer={
        <>
          New to Switchboard?{" "}
          <Link href="/sign-up" className={linkClass}>
            Create an account
          </Link>
        </>
      }
    >
      <SignInForm callbackUrl={callbackUrl} email={email} />
      <p className="mt-4 text-center text-sm">
        <Link href={email ? `/forgot-password?email=${encodeURIComponent(email)}` : "/forgot-password"} className={linkClass}>
          Forgot your password?
        </Link>
      </p>
    </AuthCard>
  );
}
