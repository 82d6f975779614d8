import type { Metadata } from "next";
import { InviteForm, RemoveMemberForm, RevokeInvitationForm, RoleForm } from "@/components/settings/member-forms";
import { Badge, Card } from "@/components/ui/card";
import { withTenant } from "@/db/tenant";
import { hasRole, roleDescriptions, roleLabels, roles, type Role } from "@/lib/workspace/roles";
import { requireWorkspace } from "@/lib/edge/workspace-access";
import { listPendingInvitations } from "@/lib/workspace/invitations";
import { listMembers } from "@/lib/workspace/members";
import { resendVerificationAction } from "@/app/account/actions";
import { VerifyEmailNotice } from "@/components/auth/verify-email-notice";
import { changeRoleAction, inviteMemberAction, removeMemberAction, revokeInvitationAction } from "./actions";

export const metadata: Metadata = { title: "Members · Settings · Switchboard" };

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const access = await requireWorkspace((await params).slug, "admin");
  const [members, invitations] = await withTenant(access.tenantId, async (tx) => [await listMembers({ tx, actor: access }), await listPendingInvitations({ tx, actor: access })] as const);
  const slug = access.workspace.slug;
  const isOwner = hasRole(access.role, "owner");
  // Admins manage admins and agents; only owners touch the owner role.
  const canManage = (role: Role) => isOwner || role !== "owner";
  const choices: Role[] = isOwner ? [...roles] : ["admin", "agent"];

  return (
    <>
      <Card id="invite" title="Invite a teammate" description="We mail them a single-use link to join, and show it to you as well.">
        {access.user.emailVerified ? (
          <InviteForm action={inviteMemberAction.bind(null, slug)} />
        ) : (
          <VerifyEmailNotice email={access.user.email} what="invite members" resend={resendVerificationAction} />
        )}
      </Card>

      <Card id="members" title={`Members (${members.length})`} description={roles.map((r) => `${roleLabels[r]}: ${roleDescriptions[r]}`).join(" ")}>
        <ul className="divide-y divide-slate-200 dark:divide-slate-800">
          {members.map((m) => {
            const self = m.userId === access.userId;
            return (
              <li key={m.userId} className="flex flex-wrap items-start justify-between gap-4 py-4 first:pt-0 last:pb-0">
                <div className="min-w-0">
                  <p className="flex items-center gap-2 font-medium">
                    {m.name} {self ? <Badge tone="sky">You</Badge> : null}
                  </p>
                  <p className="text-sm text-slate-500 dark:text-slate-400">
                    {m.email} · joined {dateFormat.format(m.joinedAt)}
                  </p>
                </div>
                {!self && canManage(m.role) ? (
                  <div className="flex flex-col items-end gap-2">
                    <RoleForm action={changeRoleAction.bind(null, slug)} userId={m.userId} name={m.name} role={m.role} choices={choices} />
                    <details className="text-right">
                      <summary className="cursor-pointer text-sm font-medium text-red-700 hover:underline dark:text-red-400">Remove</summary>
                      <div className="mt-2 max-w-xs text-left">
                        <RemoveMemberForm action={removeMemberAction.bind(null, slug)} userId={m.userId} name={m.name} />
                      </div>
                    </details>
                  </div>
                ) : (
                  <Badge tone={m.role === "owner" ? "emerald" : "slate"}>{roleLabels[m.role]}</Badge>
                )}
              </li>
            );
          })}
        </ul>
      </Card>

      <Card id="invitations" title="Pending invitations" description="Links that have not been used yet. Revoke one to make it stop working.">
        {invitations.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">No pending invitations.</p>
        ) : (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {invitations.map((i) => (
              <li key={i.id} className="flex flex-wrap items-center justify-between gap-3 py-3 first:pt-0 last:pb-0">
                <div>
                  <p className="font-medium">{i.email}</p>
                  <p className="text-sm text-slate-500 dark:text-slate-400">
                    {roleLabels[i.role]} · expires {dateFormat.format(i.expiresAt)}
                  </p>
                </div>
                <RevokeInvitationForm action={revokeInvitationAction.bind(null, slug)} id={i.id} email={i.email} />
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
