import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { linkClass } from "@/components/ui/styles";
import { currentUser } from "@/lib/auth/session";
import { signUpAction } from "./actions";

export const metadata: Metadata = { title: "Create your account · Switchboard" };

export default async function SignUpPage() {
  if (await currentUser()) redirect("/");
  return (
    <AuthCard
      title="Create your account"
      subtitle="Set up a workspace for your team, then connect your WhatsApp Business numbers."
      footer={
        <>
          Already have an account?{" "}
          <Link href="/sign-in" className={linkClass}>
            Sign in
          </Link>
        </>
      }
    >
      <SignUpForm action={signUpAction} />
    </AuthCard>
  );
}
