import Link from "next/link";
import { connection } from "next/server";
import { AuthCard } from "@/components/auth/auth-card";
import { buttonClass } from "@/components/ui/styles";

export default async function NotFound() {
  // Rendered per request, never prerendered: a static page's scripts carry no CSP nonce and would not run.
  await connection();
  return (
    <AuthCard title="Page not found" subtitle="This page does not exist, or your account does not have access to it.">
      <p className="text-sm text-slate-600 dark:text-slate-300">
        If someone removed you from a workspace or changed your role, ask an admin of that workspace.
      </p>
      <Link href="/" className={`${buttonClass.primary} mt-6 w-full`}>
        Go to my workspaces
      </Link>
    </AuthCard>
  );
}
