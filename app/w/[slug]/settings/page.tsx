import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { DeleteWorkspaceForm, RenameWorkspaceForm, TransferOwnershipForm } from "@/components/settings/workspace-forms";
import { withTenant } from "@/db/tenant";
import { hasRole } from "@/lib/workspace/roles";
import { requireWorkspace } from "@/lib/edge/workspace-access";
import { listMembers } from "@/lib/workspace/members";
import { deleteWorkspaceAction, renameWorkspaceAction, transferOwnershipAction } from "./actions";

export const metadata: Metadata = { title: "General · Settings · Switchboard" };

export default async function GeneralSettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const access = await requireWorkspace((await params).slug, "admin");
  const slug = access.workspace.slug;
  const isOwner = hasRole(access.role, "owner");
  const others = isOwner ? (await withTenant(access.tenantId, (tx) => listMembers({ tx, actor: access }))).filter((m) => m.userId !== access.userId) : [];
  return (
    <>
      <Card id="name" title="Workspace name" description={`Shown to your team. The address of this workspace (/w/${slug}) stays the same.`}>
        <RenameWorkspaceForm action={renameWorkspaceAction.bind(null, slug)} name={access.workspace.name} />
      </Card>
      {isOwner ? (
        <>
          <Card id="transfer" title="Transfer ownership" description="The member you choose becomes an owner; you stay on as an admin.">
            <TransferOwnershipForm action={transferOwnershipAction.bind(null, slug)} members={others} />
          </Card>
          <Card
            id="delete"
            tone="danger"
            title="Delete workspace"
            description="Deletes this workspace with all its numbers, conversations, members and audit log. This cannot be undone."
          >
            <DeleteWorkspaceForm action={deleteWorkspaceAction.bind(null, slug)} name={access.workspace.name} />
          </Card>
        </>
      ) : null}
    </>
  );
}
