import { and, eq, inArray } from "drizzle-orm";
import { db, type Database, type Tx } from "./client";
import type { PlatformTx } from "./transactions";
import { businessNumbers, memberships, phoneNumberRoutes, wabaOwners, workspaces } from "./schema";

/**
 * The few lookups that must cross workspaces, and nothing else. They run on the
 * platform connection (no tenant role), so every function here returns ids and
 * names only, never a workspace's conversations or messages.
 */
export async function withPlatform<T>(work: (tx: PlatformTx) => Promise<T>): Promise<T> {
  return db().transaction((tx) => work(tx as PlatformTx));
}

/** The workspace that owns a WhatsApp business number, or null: never a guess. */
export async function tenantForPhoneNumber(tx: PlatformTx, phoneNumberId: string): Promise<string | null> {
  const [route] = await tx
    .select({ workspaceId: phoneNumberRoutes.workspaceId })
    .from(phoneNumberRoutes)
    .where(eq(phoneNumberRoutes.phoneNumberId, phoneNumberId));
  return route?.workspaceId ?? null;
}

export type NumberRoute = {
  tenantId: string;
  /** The owning workspace's `business_numbers` row for the number; null if it has none. */
  businessNumberId: string | null;
  /** When Graph last confirmed the owner's token sees the number; null for sandbox numbers and lapsed proofs. */
  verifiedAt: Date | null;
};

/**
 * The webhook's routing: the workspace that owns a number, and its row for that number, in
 * one statement, through the platform connection or a platform transaction (the split asks
 * it inside the transaction that claims a batch of deliveries, once per number per batch).
 */
export async function routeForPhoneNumber(executor: Database | Tx, phoneNumberId: string): Promise<NumberRoute | null> {
  const [route] = await executor
    .select({ tenantId: phoneNumberRoutes.workspaceId, businessNumberId: businessNumbers.id, verifiedAt: businessNumbers.verifiedAt })
    .from(phoneNumberRoutes)
    .leftJoin(
      businessNumbers,
      and(eq(businessNumbers.tenantId, phoneNumberRoutes.workspaceId), eq(businessNumbers.phoneNumberId, phoneNumberRoutes.phoneNumberId)),
    )
    .where(eq(phoneNumberRoutes.phoneNumberId, phoneNumberId));
  return route ?? null;
}

/** The workspace that owns a WhatsApp Business Account (account-level webhook fields route by it), or null. */
export async function ownerOfWaba(executor: Database | Tx, wabaId: string): Promise<string | null> {
  const [owner] = await executor.select({ workspaceId: wabaOwners.workspaceId }).from(wabaOwners).where(eq(wabaOwners.wabaId, wabaId));
  return owner?.workspaceId ?? null;
}

/** Every workspace a user belongs to, for sign-in and the workspace switcher. */
export async function workspacesOfUser(tx: PlatformTx, userId: string) {
  return tx
    .select({ id: workspaces.id, name: workspaces.name, slug: workspaces.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.tenantId))
    .where(eq(memberships.userId, userId))
    .orderBy(workspaces.name);
}

/**
 * The signed-in user's membership of the workspace with this slug, read fresh from the
 * database on every request: null when there is no such workspace or the user is not in it.
 */
export async function membershipBySlug(tx: PlatformTx, userId: string, slug: string) {
  const [found] = await tx
    .select({ id: workspaces.id, name: workspaces.name, slug: workspaces.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.tenantId))
    .where(and(eq(memberships.userId, userId), eq(workspaces.slug, slug)));
  return found ?? null;
}

/** Workspaces that own at least one routed WhatsApp number: what background syncs visit. */
export async function workspacesWithNumbers(tx: PlatformTx): Promise<string[]> {
  const rows = await tx.selectDistinct({ workspaceId: phoneNumberRoutes.workspaceId }).from(phoneNumberRoutes);
  return rows.map((r) => r.workspaceId);
}

export type MemberKey = { tenantId: string; userId: string };

/**
 * Which of these (workspace, user) pairs are still memberships: one statement on the
 * primary key, outside any transaction, for every open live-events stream of the process.
 * A deleted workspace has no memberships left (they cascade).
 */
export async function currentMemberships(pairs: MemberKey[]): Promise<MemberKey[]> {
  if (pairs.length === 0) return [];
  return db()
    .select({ tenantId: memberships.tenantId, userId: memberships.userId })
    .from(memberships)
    .where(
      and(
        inArray(memberships.tenantId, [...new Set(pairs.map((p) => p.tenantId))]),
        inArray(memberships.userId, [...new Set(pairs.map((p) => p.userId))]),
      ),
    );
}
