import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { linkClass } from "@/components/ui/styles";
import { CreateWorkspaceForm } from "@/components/workspace/create-workspace-form";
import { withPlatform, workspacesOfUser } from "@/db/platform";
import { requireUser } from "@/lib/auth/session";
import { createWorkspaceAction } from "./actions";

export const metadata: Metadata = { title: "Create a workspace · Switchboard" };

export default async function NewWorkspacePage() {
  const user = await requireUser("/workspaces/new");
  const workspaces = await withPlatform((tx) => workspacesOfUser(tx, user.id));
  return (
    <AuthCard
      title={workspaces.length === 0 ? "Create your workspace" : "Create another workspace"}
      subtitle={
        workspaces.length === 0
          ? "You are not a member of any workspace yet. Create one for your team, or ask an admin of an existing workspace to invite you."
          : "Each workspace has its own numbers, members and conversations."
      }
      footer={
        <div className="flex items-center gap-4">
          {workspaces[0] ? (
            <Link href={`/w/${workspaces[0].slug}/inbox`} className={linkClass}>
              Back to {workspaces[0].name}
            </Link>
          ) : null}
          <span>
            Signed in as {user.email} · <SignOutButton variant="link" />
          </span>
        </div>
      }
    >
      <CreateWorkspaceForm action={createWorkspaceAction} />
    </AuthCard>
  );
}
