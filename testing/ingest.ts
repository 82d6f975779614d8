import { eq, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { ingestItems } from "@/db/schema";
import { processIngestUntilIdle } from "@/lib/ingest/jobs";

/** Runs the ingest pipeline until no work is due (`processIngestUntilIdle`): deterministic, no sleeping. */
export const drainIngest = processIngestUntilIdle;

/** Makes every pending item due now, as if its backoff had passed. */
export async function endBackoffs(): Promise<void> {
  await db().update(ingestItems).set({ runAt: sql`now()` }).where(eq(ingestItems.state, "pending"));
}

export async function itemsOf(deliveryId: string) {
  return db().select().from(ingestItems).where(eq(ingestItems.deliveryId, deliveryId)).orderBy(ingestItems.position);
}
