import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { TenantTx } from "@/db/transactions";
import { memberships, users } from "@/db/schema";
import { hasRole, roles, type Role } from "@/lib/workspace/roles";
import type { TenantCtx } from "@/lib/domain/context";
import { forbidden, notFound, rejected } from "@/lib/domain/errors";
import { requireRole } from "./access";
import { recordAudit } from "./audit";

export type MemberView = { userId: string; name: string; email: string; role: Role; joinedAt: Date };

export const changeRoleSchema = z.object({ userId: z.uuid(), role: z.enum(roles, "Choose a role.") });
export const memberSchema = z.object({ userId: z.uuid() });

const roleOrder = sql`case ${memberships.role} when 'owner' then 0 when 'admin' then 1 else 2 end`;

export async function listMembers({ tx }: TenantCtx): Promise<MemberView[]> {
  return tx
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .orderBy(roleOrder, asc(users.name));
}

export const lastOwnerMessage =
  "A workspace needs at least one owner. Make another member an owner (or transfer ownership) first.";

/**
 * Every membership of the workspace, locked until the transaction ends: changes that
 * could leave a workspace without an owner are decided one at a time.
 */
async function lockMembers(tx: TenantTx) {
  const rows = await tx
    .select({ userId: memberships.userId, role: memberships.role, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .for("update", { of: memberships });
  return { rows, owners: rows.filter((r) => r.role === "owner").length };
}

/** Admins change admins and agents; only owners grant or take away the owner role. */
export async function changeRole({ tx, actor }: TenantCtx, input: { userId: string; role: Role }): Promise<void> {
  requireRole(actor, "admin");
  const { rows, owners } = await lockMembers(tx);
  const target = rows.find((r) => r.userId === input.userId);
  if (!target) throw notFound("Member");
  if (target.role === input.role) return;
  if ((target.role === "owner" || input.role === "owner") && !hasRole(actor.role, "owner")) {
    throw forbidden("Only an owner can grant or change the owner role.");
  }
  if (target.role === "owner" && owners === 1) throw rejected(lastOwnerMessage, "role");
  await tx.update(memberships).set({ role: input.role }).where(eq(memberships.userId, input.userId));
  await recordAudit(tx, {
    tenantId: actor.tenantId,
    actorUserId: actor.userId,
    action: "member.role_changed",
    target: target.email,
    details: { from: target.role, to: input.role },
  });
}

/** Removes a member (or lets one leave). Only owners remove owners; never the last one. */
export async function removeMember({ tx, actor }: TenantCtx, input: { userId: string }): Promise<void> {
  if (input.userId !== actor.userId) requireRole(actor, "admin");
  const { rows, owners } = await lockMembers(tx);
  const target = rows.find((r) => r.userId === input.userId);
  if (!target) throw notFound("Member");
  if (target.role === "owner" && !hasRole(actor.role, "owner")) throw forbidden("Only an owner can remove an owner.");
  if (target.role === "owner" && owners === 1) throw rejected(lastOwnerMessage);
  await tx.delete(memberships).where(eq(memberships.userId, input.userId));
  await recordAudit(tx, {
    tenantId: actor.tenantId,
    actorUserId: actor.userId,
    action: "member.removed",
    target: target.email,
    details: { role: target.role },
  });
}

/** Makes another member the owner; the current owner stays on as an admin. Owners only. */
export async function transferOwnership({ tx, actor }: TenantCtx, input: { userId: string }): Promise<void> {
  requireRole(actor, "owner");
  if (input.userId === actor.userId) throw rejected("Choose another member to become the owner.", "userId");
  const { rows } = await lockMembers(tx);
  const target = rows.find((r) => r.userId === input.userId);
  if (!target) throw notFound("Member");
  await tx.update(memberships).set({ role: "owner" }).where(eq(memberships.userId, input.userId));
  await tx.update(memberships).set({ role: "admin" }).where(eq(memberships.userId, actor.userId));
  await recordAudit(tx, {
    tenantId: actor.tenantId,
    actorUserId: actor.userId,
    action: "ownership.transferred",
    target: target.email,
    details: { previousRole: target.role },
  });
}
