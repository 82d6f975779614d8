import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { TenantTx } from "@/db/transactions";
import { withPlatform } from "@/db/platform";
import { auditLog, invitations, memberships, workspaces } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestMember, createTestWorkspace } from "@/testing/db/factories";
import { roles, type Role } from "@/lib/workspace/roles";
import type { Actor } from "@/lib/domain/context";
import { createInvitation, revokeInvitation } from "./invitations";
import { changeRole, removeMember, transferOwnership } from "./members";
import { deleteWorkspace, renameWorkspace } from "./workspaces";

/**
 * Every mutation of lib/workspace, called directly (no server action in front) by an
 * owner, an admin and an agent of the workspace. A caller below the minimum role gets
 * an AppError of kind `forbidden` and the workspace is exactly as before: members, invitations, audit log
 * and the workspace row. Numbers are in numbers-roles.test.ts.
 */

/** A workspace with an owner, an admin and an agent who act, and members and an invitation to act on. */
async function team() {
  const workspace = await createTestWorkspace("Roles");
  const tenantId = workspace.id;
  const members = {
    owner: await createTestMember(tenantId, "owner"),
    admin: await createTestMember(tenantId, "admin"),
    agent: await createTestMember(tenantId, "agent"),
  };
  const targetAgent = await createTestMember(tenantId, "agent", "Target agent");
  const secondOwner = await createTestMember(tenantId, "owner", "Second owner");
  const ownerActor: Actor = { tenantId, userId: members.owner.id, role: "owner" };
  const invitation = await withTenant(tenantId, (tx) =>
    createInvitation({ tx, actor: ownerActor }, { email: "pending.person@example.test", role: "agent" }),
  );
  const actor = (role: Role): Actor => ({ tenantId, userId: members[role].id, role });
  return { workspace, tenantId, actor, targetAgent, secondOwner, invitation };
}
type Team = Awaited<ReturnType<typeof team>>;

/** Everything a workspace mutation could change, read past row-level security. */
function snapshot(tenantId: string) {
  return withPlatform(async (tx) => ({
    workspace: await tx.select().from(workspaces).where(eq(workspaces.id, tenantId)),
    memberships: await tx.select().from(memberships).where(eq(memberships.tenantId, tenantId)).orderBy(asc(memberships.userId)),
    invitations: await tx.select().from(invitations).where(eq(invitations.tenantId, tenantId)).orderBy(asc(invitations.id)),
    audit: await tx.select().from(auditLog).where(eq(auditLog.tenantId, tenantId)).orderBy(asc(auditLog.id)),
  }));
}

type Mutation = {
  name: string;
  minimum: Role;
  run: (t: Team, actor: Actor) => Promise<unknown>;
};

const tenantTx = (t: Team, work: (tx: TenantTx) => Promise<unknown>) => withTenant(t.tenantId, work);

const mutations: Mutation[] = [
  {
    name: "createInvitation",
    minimum: "admin",
    run: (t, actor) => tenantTx(t, (tx) => createInvitation({ tx, actor }, { email: "someone.new@example.test", role: "agent" })),
  },
  { name: "revokeInvitation", minimum: "admin", run: (t, actor) => tenantTx(t, (tx) => revokeInvitation({ tx, actor }, { id: t.invitation.id })) },
  {
    name: "changeRole (agent to admin)",
    minimum: "admin",
    run: (t, actor) => tenantTx(t, (tx) => changeRole({ tx, actor }, { userId: t.targetAgent.id, role: "admin" })),
  },
  {
    name: "changeRole (grant owner)",
    minimum: "owner",
    run: (t, actor) => tenantTx(t, (tx) => changeRole({ tx, actor }, { userId: t.targetAgent.id, role: "owner" })),
  },
  {
    name: "changeRole (owner to agent)",
    minimum: "owner",
    run: (t, actor) => tenantTx(t, (tx) => changeRole({ tx, actor }, { userId: t.secondOwner.id, role: "agent" })),
  },
  { name: "removeMember (an agent)", minimum: "admin", run: (t, actor) => tenantTx(t, (tx) => removeMember({ tx, actor }, { userId: t.targetAgent.id })) },
  { name: "removeMember (an owner)", minimum: "owner", run: (t, actor) => tenantTx(t, (tx) => removeMember({ tx, actor }, { userId: t.secondOwner.id })) },
  { name: "transferOwnership", minimum: "owner", run: (t, actor) => tenantTx(t, (tx) => transferOwnership({ tx, actor }, { userId: t.targetAgent.id })) },
  { name: "renameWorkspace", minimum: "admin", run: (_t, actor) => withPlatform((tx) => renameWorkspace({ tx, actor }, { name: "Renamed" })) },
  { name: "deleteWorkspace", minimum: "owner", run: (t, actor) => withPlatform((tx) => deleteWorkspace({ tx, actor }, { confirmName: t.workspace.name })) },
];

const rank: Record<Role, number> = { agent: 1, admin: 2, owner: 3 };

describe.each(mutations)("$name (from $minimum up)", (mutation) => {
  it.each(roles.filter((role) => rank[role] < rank[mutation.minimum]))("is refused to an %s, and changes nothing", async (role) => {
    const t = await team();
    const before = await snapshot(t.tenantId);
    await expect(mutation.run(t, t.actor(role))).rejects.toMatchObject({ kind: "forbidden" });
    expect(await snapshot(t.tenantId)).toEqual(before);
  });

  it.each(roles.filter((role) => rank[role] >= rank[mutation.minimum]))("is allowed to an %s, and changes the workspace", async (role) => {
    const t = await team();
    const before = await snapshot(t.tenantId);
    await mutation.run(t, t.actor(role));
    expect(await snapshot(t.tenantId)).not.toEqual(before);
  });
});

it("lets an agent leave the workspace (removing themselves), and nobody else", async () => {
  const t = await team();
  const agent = t.actor("agent");
  await expect(tenantTx(t, (tx) => removeMember({ tx, actor: agent }, { userId: t.targetAgent.id }))).rejects.toMatchObject({ kind: "forbidden" });
  await tenantTx(t, (tx) => removeMember({ tx, actor: agent }, { userId: agent.userId }));
  const left = await snapshot(t.tenantId);
  expect(left.memberships.map((m) => m.userId)).not.toContain(agent.userId);
  expect(left.memberships.map((m) => m.userId)).toContain(t.targetAgent.id);
});
