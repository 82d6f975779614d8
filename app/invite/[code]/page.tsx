import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { CreateAccountFromInvitationForm, JoinWorkspaceForm } from "@/components/auth/accept-invitation-forms";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { buttonClass } from "@/components/ui/styles";
import { currentUser, signInPath } from "@/lib/auth/session";
import { accountExists, findInvitation } from "@/lib/workspace/invitations";
import { acceptAsNewUserAction, acceptInvitationAction } from "./actions";

export const metadata: Metadata = { title: "Join a workspace · Switchboard", referrer: "no-referrer" };

export default async function InvitationPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  const invitation = await findInvitation(code);
  if (!invitation) {
    return (
      <AuthCard title="This invitation can't be used" subtitle="It may have been used already, revoked, or it expired (invitations last 7 days).">
        <p className="text-sm text-slate-600 dark:text-slate-300">Ask an admin of the workspace to send you a new invitation link.</p>
        <Link href="/" className={`${buttonClass.secondary} mt-6 w-full`}>
          Go to Switchboard
        </Link>
      </AuthCard>
    );
  }

  const title = `Join ${invitation.workspace.name}`;
  const subtitle = (
    <>
      You have been invited to join as {invitation.role === "agent" ? "an agent" : "an admin"} ({invitation.email}).
    </>
  );
  const user = await currentUser();
  const here = `/invite/${encodeURIComponent(code)}`;

  if (user && user.email === invitation.email) {
    return (
      <AuthCard title={title} subtitle={subtitle}>
        <JoinWorkspaceForm action={acceptInvitationAction.bind(null, code)} workspaceName={invitation.workspace.name} />
      </AuthCard>
    );
  }
  if (user) {
    return (
      <AuthCard title={title} subtitle={subtitle}>
        <p className="text-sm text-slate-600 dark:text-slate-300">
          You are signed in as <strong>{user.email}</strong>, but this invitation is for <strong>{invitation.email}</strong>.
          Sign out, then open the link again and sign in (or create an account) as {invitation.email}.
        </p>
        <div className="mt-6">
          <SignOutButton />
        </div>
      </AuthCard>
    );
  }
  if (await accountExists(invitation.email)) {
    return (
      <AuthCard title={title} subtitle={subtitle}>
        <p className="text-sm text-slate-600 dark:text-slate-300">
          You already have a Switchboard account. Sign in as {invitation.email} to accept.
        </p>
        <Link href={signInPath(here, { email: invitation.email })} className={`${buttonClass.primary} mt-6 w-full`}>
          Sign in to accept
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={title} subtitle={subtitle}>
      <CreateAccountFromInvitationForm action={acceptAsNewUserAction.bind(null, code)} email={invitation.email} />
    </AuthCard>
  );
}
