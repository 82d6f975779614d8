import { and, asc, count, eq, isNotNull, max, min, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { ownerOfWaba, routeForPhoneNumber } from "@/db/platform";
import { ingestItems } from "@/db/schema";
import { enqueue } from "@/lib/jobs/queue";
import { isSandboxNumberId } from "@/lib/sandbox/numbers";
import { log } from "@/lib/log";
import { applyQueue } from "./queues";

/**
 * Once a workspace has proved `phoneNumberId` (Graph confirmed its token, or it is a sandbox
 * number, which no token could prove), routes to it everything Meta sent to that number while
 * nobody had, and wakes its processor. Only a proven owner receives earlier history. Safe to
 * call any number of times, also concurrently: each item moves from unrouted once. Returns how
 * many items this call routed.
 */
export async function routeUnroutedItems(phoneNumberId: string): Promise<number> {
  const route = await routeForPhoneNumber(db(), phoneNumberId);
  if (!route?.businessNumberId || (route.verifiedAt === null && !isSandboxNumberId(phoneNumberId))) return 0;
  return routeItems(
    and(eq(ingestItems.phoneNumberId, phoneNumberId), eq(ingestItems.routeBy, "phone"))!,
    route.tenantId,
    route.businessNumberId,
    { phoneNumberId },
  );
}

/** The same for account-level fields of a WABA that now has an owner. */
export async function routeUnroutedWabaItems(wabaId: string): Promise<number> {
  const owner = await ownerOfWaba(db(), wabaId);
  if (!owner) return 0;
  return routeItems(and(eq(ingestItems.wabaId, wabaId), eq(ingestItems.routeBy, "waba"))!, owner, null, { wabaId });
}

async function routeItems(which: ReturnType<typeof and>, workspaceId: string, businessNumberId: string | null, where: Record<string, string>): Promise<number> {
  const routed = await db().transaction(async (tx) => {
    const rows = await tx
      .update(ingestItems)
      .set({ state: "pending", workspaceId, businessNumberId, runAt: sql`now()` })
      .where(and(eq(ingestItems.state, "unrouted"), which))
      .returning({ id: ingestItems.id });
    if (rows.length > 0) await enqueue(tx, applyQueue, { workspaceId }, { dedupeKey: workspaceId });
    return rows.length;
  });
  if (routed > 0) log.info("unrouted_routed", { ...where, workspaceId, items: routed });
  return routed;
}

export type UnroutedNumber = { phoneNumberId: string; items: number; firstSeen: Date; lastSeen: Date };

/** For the operator: numbers Meta delivers to that no workspace has claimed yet. */
export async function listUnroutedNumbers(): Promise<UnroutedNumber[]> {
  const rows = await db()
    .select({
      phoneNumberId: ingestItems.phoneNumberId,
      items: count(),
      firstSeen: min(ingestItems.createdAt),
      lastSeen: max(ingestItems.createdAt),
    })
    .from(ingestItems)
    .where(and(eq(ingestItems.state, "unrouted"), isNotNull(ingestItems.phoneNumberId)))
    .groupBy(ingestItems.phoneNumberId)
    .orderBy(asc(ingestItems.phoneNumberId));
  // The column is not null here, and min/max over a non-empty group are never null.
  return rows.map((r) => ({ phoneNumberId: r.phoneNumberId!, items: r.items, firstSeen: r.firstSeen!, lastSeen: r.lastSeen! }));
}
