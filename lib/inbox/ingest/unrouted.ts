import { and, asc, count, eq, isNotNull, isNull, like, max, min, or } from "drizzle-orm";
import { db } from "@/db/client";
import { routeForPhoneNumber, type NumberRoute } from "@/db/platform";
import { businessNumbers, phoneNumberRoutes, unroutedItems, webhookDeliveries } from "@/db/schema";
import { isSandboxNumberId, sandboxPrefix } from "@/lib/sandbox/numbers";
import { log } from "@/lib/log";
import { parseDelivery } from "@/lib/whatsapp/payload";
import { applyChange } from "./apply-change";

/** A delivery's changes for a number nobody owns: kept, never guessed at. */
export async function recordUnrouted(deliveryId: string, phoneNumberId: string): Promise<void> {
  await db().insert(unroutedItems).values({ deliveryId, phoneNumberId }).onConflictDoNothing();
}

/**
 * Whether the route's workspace proved the number: Graph confirmed its token, or it is a
 * sandbox number (which no token could prove). Only such an owner receives earlier history.
 */
function provenOwner(route: NumberRoute, phoneNumberId: string): boolean {
  return route.businessNumberId !== null && (route.verifiedAt !== null || isSandboxNumberId(phoneNumberId));
}

/**
 * Once a workspace has proved `phoneNumberId`, processes everything Meta sent to that number
 * while nobody had, into that workspace, and marks it claimed. Safe to call any number of
 * times, also concurrently: storage is idempotent and each item is claimed once. Returns
 * how many items this call claimed. An item that fails stays unclaimed for the retry.
 */
export async function processUnroutedDeliveries(phoneNumberId: string): Promise<number> {
  const route = await routeForPhoneNumber(phoneNumberId);
  if (!route || !provenOwner(route, phoneNumberId)) return 0;
  const { tenantId } = route;
  const items = await db()
    .select({ id: unroutedItems.id, deliveryId: unroutedItems.deliveryId, rawBody: webhookDeliveries.rawBody })
    .from(unroutedItems)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, unroutedItems.deliveryId))
    .where(and(eq(unroutedItems.phoneNumberId, phoneNumberId), isNull(unroutedItems.claimedAt)))
    .orderBy(asc(unroutedItems.receivedAt));

  let claimed = 0;
  for (const item of items) {
    try {
      const parsed = parseDelivery(item.rawBody);
      if (parsed.ok) {
        for (const change of parsed.changes) {
          if (change.phoneNumberId === phoneNumberId) await applyChange(route, change.value);
        }
      }
      const [row] = await db()
        .update(unroutedItems)
        .set({ claimedAt: new Date() })
        .where(and(eq(unroutedItems.id, item.id), isNull(unroutedItems.claimedAt)))
        .returning({ id: unroutedItems.id });
      if (row) claimed++;
    } catch (error) {
      log.error("unrouted_replay_failed", { deliveryId: item.deliveryId, phoneNumberId, tenantId, error });
    }
  }
  if (claimed > 0) log.info("unrouted_replayed", { phoneNumberId, tenantId, items: claimed });
  return claimed;
}

/** Numbers that now have a proven owner but still have unclaimed items (the owner was added mid-delivery). */
export async function claimableUnroutedNumbers(): Promise<string[]> {
  const rows = await db()
    .selectDistinct({ phoneNumberId: unroutedItems.phoneNumberId })
    .from(unroutedItems)
    .innerJoin(phoneNumberRoutes, eq(phoneNumberRoutes.phoneNumberId, unroutedItems.phoneNumberId))
    .innerJoin(
      businessNumbers,
      and(eq(businessNumbers.tenantId, phoneNumberRoutes.workspaceId), eq(businessNumbers.phoneNumberId, phoneNumberRoutes.phoneNumberId)),
    )
    .where(
      and(
        isNull(unroutedItems.claimedAt),
        or(isNotNull(businessNumbers.verifiedAt), like(unroutedItems.phoneNumberId, `${sandboxPrefix}%`)),
      ),
    );
  return rows.map((r) => r.phoneNumberId);
}

export type UnroutedNumber = { phoneNumberId: string; deliveries: number; firstSeen: Date; lastSeen: Date };

/** For the operator: numbers Meta delivers to that no workspace has claimed yet. */
export async function listUnroutedNumbers(): Promise<UnroutedNumber[]> {
  const rows = await db()
    .select({
      phoneNumberId: unroutedItems.phoneNumberId,
      deliveries: count(),
      firstSeen: min(unroutedItems.receivedAt),
      lastSeen: max(unroutedItems.receivedAt),
    })
    .from(unroutedItems)
    .where(isNull(unroutedItems.claimedAt))
    .groupBy(unroutedItems.phoneNumberId)
    .orderBy(asc(unroutedItems.phoneNumberId));
  // min/max over a non-empty group are never null.
  return rows.map((r) => ({ ...r, firstSeen: r.firstSeen!, lastSeen: r.lastSeen! }));
}
