import { eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { ingestItems, webhookDeliveries } from "@/db/schema";
import { enqueue, type Executor } from "@/lib/jobs/queue";
import { log, withLogContext } from "@/lib/log";
import { loadDelivery } from "./deliveries";
import { applyQueue } from "./queues";
import { itemRouter } from "./route";
import { splitDelivery } from "./split";

/** Rows per insert: well under Postgres's 65,535 parameters at 17 columns a row. */
const insertChunk = 1000;

export type SplitReport = { items: number; pending: number; unrouted: number; quarantined: number; note: string | null };

/**
 * Splits a stored delivery into routed items, in one transaction: the items (each unique per
 * delivery and position, so a second split inserts nothing), the delivery marked as split
 * (`processed`, or `ignored` with the reason when nothing in it can be applied) and the wake-up
 * of each workspace that has new work. A delivery already split is left alone.
 */
export async function splitStoredDelivery(db: Database, deliveryId: string): Promise<SplitReport | null> {
  return withLogContext({ deliveryId }, async () => {
    const delivery = await loadDelivery(db, deliveryId);
    if (!delivery || delivery.state !== "received") return null;
    const split = splitDelivery(delivery.rawBody, delivery.receivedAt);
    if (!split.ok) {
      await markSplit(db, deliveryId, "ignored", split.reason);
      log.warn("webhook_delivery_ignored", { reason: split.reason });
      return { items: 0, pending: 0, unrouted: 0, quarantined: 0, note: split.reason };
    }
    const route = itemRouter();
    const rows = await Promise.all(
      split.items.map(async (item) => {
        const routed = await route(item);
        const state = item.problem ? "quarantined" : routed ? "pending" : "unrouted";
        return {
          deliveryId,
          position: item.position,
          path: item.path,
          kind: item.kind,
          lane: item.lane,
          routeBy: item.routeBy,
          phoneNumberId: item.phoneNumberId,
          wabaId: item.wabaId,
          workspaceId: routed?.workspaceId ?? null,
          businessNumberId: routed?.businessNumberId ?? null,
          state,
          lastError: item.problem,
          occurredAt: item.occurredAt,
          timestampSubstituted: item.timestampSubstituted,
          body: item.body,
        } as const;
      }),
    );
    const readable = rows.length > 0 || split.changes > 0;
    const note = describeSkipped(split.skipped) ?? (readable ? null : "the delivery has no changes");
    const workspaces = [...new Set(rows.filter((r) => r.state === "pending").map((r) => r.workspaceId!))];
    await db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += insertChunk) {
        await tx.insert(ingestItems).values(rows.slice(i, i + insertChunk)).onConflictDoNothing();
      }
      await markSplit(tx, deliveryId, readable ? "processed" : "ignored", note);
      for (const workspaceId of workspaces) await enqueue(tx, applyQueue, { workspaceId }, { dedupeKey: workspaceId });
    });
    const count = (state: string) => rows.filter((r) => r.state === state).length;
    const report = { items: rows.length, pending: count("pending"), unrouted: count("unrouted"), quarantined: count("quarantined"), note };
    if (!readable) log.warn("webhook_delivery_ignored", { reason: note });
    else log.info("webhook_delivery_split", { ...report, skipped: split.skipped.length });
    // Errors about a number, not one message, have no row of their own: the raw delivery keeps them.
    for (const error of split.numberErrors) log.warn("whatsapp_number_error", error);
    for (const row of rows.filter((r) => r.state === "quarantined")) {
      log.warn("ingest_item_quarantined", { path: row.path, kind: row.kind, workspaceId: row.workspaceId, reason: row.lastError });
    }
    return report;
  });
}

async function markSplit(db: Executor, id: string, state: "processed" | "ignored", note: string | null) {
  await db
    .update(webhookDeliveries)
    .set({ state, error: note, attempts: sql`${webhookDeliveries.attempts} + 1`, processedAt: new Date() })
    .where(eq(webhookDeliveries.id, id));
}

/** The first few skipped changes, so a delivery of thousands of bad changes keeps one short note. */
function describeSkipped(skipped: string[]): string | null {
  if (skipped.length === 0) return null;
  const shown = skipped.slice(0, 3).join("; ");
  return skipped.length > 3 ? `${shown}; and ${skipped.length - 3} more` : shown;
}
