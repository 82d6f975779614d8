import { eq, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { ingestItems } from "@/db/schema";
import { ingestHandlers, sweepIngest } from "@/lib/ingest/jobs";
import { applyQueue, splitQueue } from "@/lib/ingest/queues";
import { claimJobs, completeJobs } from "@/lib/jobs/queue";

/**
 * Runs the ingest pipeline in this process until no work is due: claims the split and apply
 * jobs as a worker would (SKIP LOCKED, so beside a running worker it takes only what that one
 * has not), runs their handlers, and sweeps for work whose wake-up was deduplicated away.
 * Deterministic: no sleeping; work waiting out a backoff is not due, so it stays.
 */
export async function drainIngest(): Promise<void> {
  for (let round = 0; round < 100_000; round++) {
    const jobs = await claimJobs(db(), { queues: [splitQueue, applyQueue], limit: 8, leaseMs: 60_000, worker: "testing/ingest" });
    if (jobs.length === 0) {
      await sweepIngest();
      const again = await claimJobs(db(), { queues: [splitQueue, applyQueue], limit: 8, leaseMs: 60_000, worker: "testing/ingest" });
      if (again.length === 0) return;
      jobs.push(...again);
    }
    for (const job of jobs) await ingestHandlers[job.queue]!(job);
    await completeJobs(db(), jobs);
  }
  throw new Error("the ingest pipeline did not run dry in 100,000 rounds");
}

/** Makes every pending item due now, as if its backoff had passed. */
export async function endBackoffs(): Promise<void> {
  await db().update(ingestItems).set({ runAt: sql`now()` }).where(eq(ingestItems.state, "pending"));
}

export async function itemsOf(deliveryId: string) {
  return db().select().from(ingestItems).where(eq(ingestItems.deliveryId, deliveryId)).orderBy(ingestItems.position);
}
