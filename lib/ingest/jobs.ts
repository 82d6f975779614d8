import { and, eq, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { ingestItems, phoneNumberRoutes } from "@/db/schema";
import type { JobHandler } from "@/lib/jobs/worker";
import { claimJobs, completeJob, completeJobs, defaultMaxAttempts, enqueue, jobsChannel } from "@/lib/jobs/queue";
import { splitJobKey, splitJobKeyPrefix, splitMaxAttempts, splitShards } from "./deliveries";
import { drainWorkspace } from "./process";
import { applyQueue, splitQueue } from "./queues";
import { retryFailedSplits, splitReceivedDeliveries } from "./split-job";
import { routeUnroutedItems } from "./unrouted";

/** How long one split job splits before handing the rest to a fresh job, so that apply jobs queued meanwhile get their turn. */
const splitJobBudgetMs = 1_000;

/** How long one apply job works on its workspace before handing the rest to a fresh job (workspaces take turns). */
const applyJobBudgetMs = 1_000;

/** The ingest pipeline's job handlers, for the process's worker (lib/server/background-jobs.ts). */
export const ingestHandlers: Record<string, JobHandler> = {
  [splitQueue]: async (job) => {
    const { shard } = job.payload as { shard: number };
    // Done at once, as the apply job below and for the same reason.
    await completeJob(db(), job);
    const { more } = await splitReceivedDeliveries(db(), splitJobBudgetMs);
    if (more) await enqueue(db(), splitQueue, { shard }, { dedupeKey: splitJobKey(shard), maxAttempts: splitMaxAttempts });
  },
  [applyQueue]: async (job) => {
    const { workspaceId } = job.payload as { workspaceId: string };
    // Done with the job at once, so that work arriving meanwhile enqueues a fresh one instead
    // of being deduplicated into this one, which may already have looked. If this instance
    // dies now, its claimed items roll back and the sweep below enqueues their workspace again.
    await completeJob(db(), job);
    const { more } = await drainWorkspace(workspaceId, applyJobBudgetMs);
    if (more) await enqueue(db(), applyQueue, { workspaceId }, { dedupeKey: workspaceId });
  },
};

/**
 * The fallback for every wake-up the pipeline relies on: workspaces with due items (a retry's
 * backoff ended, or the instance applying them died) get an apply job; deliveries stored over a
 * minute ago and still not split get the split jobs (theirs parked), or, when a split failed on
 * them, another try one by one; unrouted items whose
 * number now has an owner are routed. Each enqueue is deduplicated, so it never doubles work.
 */
export async function sweepIngest(): Promise<void> {
  // Set-based, so that a backlog of thousands costs two statements, not one per row; the
  // partial unique index on live dedupe keys makes each enqueue a no-op while its job lives.
  await db().execute(sql`
    insert into jobs (queue, payload, dedupe_key, max_attempts)
    select distinct ${applyQueue}, jsonb_build_object('workspaceId', workspace_id), workspace_id::text, ${defaultMaxAttempts}::int
    from ingest_items where state = 'pending' and run_at <= now() and workspace_id is not null
    on conflict do nothing`);
  await db().execute(sql`
    insert into jobs (queue, payload, dedupe_key, max_attempts)
    select ${splitQueue}, jsonb_build_object('shard', shard), ${splitJobKeyPrefix} || shard, ${splitMaxAttempts}::int
    from generate_series(0, ${splitShards - 1}) as shard
    where exists (select 1 from webhook_deliveries where state = 'received' and attempts = 0 and received_at < now() - interval '1 minute')
    on conflict do nothing`);
  await db().execute(sql`select pg_notify(${jobsChannel}, ${applyQueue}), pg_notify(${jobsChannel}, ${splitQueue})`);
  await retryFailedSplits(db());
  const owned = await db()
    .selectDistinct({ phoneNumberId: ingestItems.phoneNumberId })
    .from(ingestItems)
    .innerJoin(phoneNumberRoutes, eq(phoneNumberRoutes.phoneNumberId, ingestItems.phoneNumberId))
    .where(and(eq(ingestItems.state, "unrouted"), eq(ingestItems.routeBy, "phone")))
    .limit(100);
  for (const { phoneNumberId } of owned) if (phoneNumberId) await routeUnroutedItems(phoneNumberId);
}

export const ingestSweep = { name: "ingest-sweep", everySeconds: 10, run: sweepIngest };

/**
 * Runs the pipeline in this process until no work is due, without a worker: claims the split
 * and apply jobs as a worker would (SKIP LOCKED, so beside running workers it takes only what
 * they have not), runs them, and sweeps for work whose wake-up was deduplicated away. For
 * scripts (the seed) and tests; work waiting out a backoff is not due, so it stays.
 */
export async function processIngestUntilIdle(): Promise<void> {
  const claim = () => claimJobs(db(), { queues: [splitQueue, applyQueue], limit: 8, leaseMs: 60_000, worker: `until-idle:${process.pid}` });
  for (;;) {
    let jobs = await claim();
    if (jobs.length === 0) {
      await sweepIngest();
      jobs = await claim();
      if (jobs.length === 0) return;
    }
    for (const job of jobs) await ingestHandlers[job.queue]!(job);
    await completeJobs(db(), jobs);
  }
}
