import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { ingestItems, webhookDeliveries } from "@/db/schema";
import { enqueue } from "@/lib/jobs/queue";
import { applyQueue } from "./queues";

/** What the operator sees of a quarantined item (`npm run ops -- quarantine`): never its body. */
export type QuarantinedItem = {
  id: string;
  deliveryId: string;
  path: string;
  kind: string;
  workspaceId: string | null;
  phoneNumberId: string | null;
  wabaId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
};

const summary = {
  id: ingestItems.id,
  deliveryId: ingestItems.deliveryId,
  path: ingestItems.path,
  kind: ingestItems.kind,
  workspaceId: ingestItems.workspaceId,
  phoneNumberId: ingestItems.phoneNumberId,
  wabaId: ingestItems.wabaId,
  attempts: ingestItems.attempts,
  lastError: ingestItems.lastError,
  createdAt: ingestItems.createdAt,
};

export async function listQuarantined(limit = 100): Promise<QuarantinedItem[]> {
  return db().select(summary).from(ingestItems).where(eq(ingestItems.state, "quarantined")).orderBy(desc(ingestItems.createdAt)).limit(limit);
}

/** One item of any state; its JSON and its delivery's raw body only when asked for (they hold customers' messages). */
export async function showItem(id: string, options: { body?: boolean } = {}) {
  const [item] = await db()
    .select({ ...summary, state: ingestItems.state, body: ingestItems.body, rawBody: webhookDeliveries.rawBody })
    .from(ingestItems)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, ingestItems.deliveryId))
    .where(eq(ingestItems.id, id));
  if (!item) return null;
  const { body, rawBody, ...rest } = item;
  return options.body ? { ...rest, body, rawBody } : rest;
}

/**
 * Puts quarantined items back to pending with fresh attempts, due now, and wakes their
 * workspaces. An item that never routed goes back to unrouted; one that could not be stored
 * (no body) stays quarantined. Returns the ids replayed.
 */
export async function replayQuarantined(ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return db().transaction(async (tx) => {
    const rows = await tx
      .update(ingestItems)
      .set({
        state: sql`case when ${ingestItems.workspaceId} is null then 'unrouted' else 'pending' end`,
        attempts: 0,
        runAt: sql`now()`,
      })
      .where(and(inArray(ingestItems.id, ids), eq(ingestItems.state, "quarantined"), sql`${ingestItems.body} is not null`))
      .returning({ id: ingestItems.id, workspaceId: ingestItems.workspaceId });
    for (const workspaceId of new Set(rows.flatMap((r) => (r.workspaceId ? [r.workspaceId] : [])))) {
      await enqueue(tx, applyQueue, { workspaceId }, { dedupeKey: workspaceId });
    }
    return rows.map((r) => r.id);
  });
}

/** Gives quarantined items up: marked done, so retention can delete their delivery. Returns the ids discarded. */
export async function discardQuarantined(ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db()
    .update(ingestItems)
    .set({ state: "done", doneAt: sql`now()`, lastError: sql`'discarded by the operator: ' || coalesce(${ingestItems.lastError}, '')` })
    .where(and(inArray(ingestItems.id, ids), eq(ingestItems.state, "quarantined")))
    .returning({ id: ingestItems.id });
  return rows.map((r) => r.id);
}
