import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";
import { splitFailedOn } from "./split-job";

/**
 * Deliveries a split failed on (`npm run ops -- deliveries`): stored and answered, but not yet
 * made into items because splitting them failed (split-job.ts). The sweep retries each every
 * 10 s once it is a minute old, so a passing fault needs nothing; one that fails every time is
 * the operator's to read and, when it can never succeed, to give up.
 */
export type UnsplitDelivery = { id: string; receivedAt: Date; bytes: number; attempts: number; error: string | null };

const summary = {
  id: webhookDeliveries.id,
  receivedAt: webhookDeliveries.receivedAt,
  bytes: sql<number>`octet_length(${webhookDeliveries.rawBody})`.mapWith(Number),
  attempts: webhookDeliveries.attempts,
  error: webhookDeliveries.error,
};

export async function listUnsplitDeliveries(limit = 100): Promise<UnsplitDelivery[]> {
  return db().select(summary).from(webhookDeliveries).where(splitFailedOn).orderBy(asc(webhookDeliveries.receivedAt)).limit(limit);
}

/** One such delivery; its raw body (customers' messages) only when asked for. */
export async function showUnsplitDelivery(id: string, options: { body?: boolean } = {}) {
  const [row] = await db()
    .select({ ...summary, rawBody: webhookDeliveries.rawBody })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), splitFailedOn));
  if (!row) return null;
  const { rawBody, ...rest } = row;
  return options.body ? { ...rest, rawBody } : rest;
}

/**
 * Gives such deliveries up: marked ignored with the reason kept, so no retry takes them again
 * and retention deletes them in time. Returns the ids discarded.
 */
export async function discardUnsplitDeliveries(ids: string[]): Promise<string[]> {
  const rows = await db()
    .update(webhookDeliveries)
    .set({ state: "ignored", processedAt: sql`now()`, error: sql`'discarded by the operator: ' || coalesce(${webhookDeliveries.error}, '')` })
    .where(and(inArray(webhookDeliveries.id, ids), splitFailedOn))
    .returning({ id: webhookDeliveries.id });
  return rows.map((r) => r.id);
}
