import { and, eq, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { ingestItems, phoneNumberRoutes } from "@/db/schema";
import { claimJobs, defaultMaxAttempts, enqueue, finishJob, jobsChannel, requeueJob, type Job } from "@/lib/jobs/queue";
import { splitJobKey, splitJobKeyPrefix, splitMaxAttempts, splitShards } from "./deliveries";
import { drainWorkspace } from "./process";
import { applyQueue, splitQueue } from "./queues";
import { retryFailedSplits, splitReceivedDeliveries } from "./split-job";
import { routeUnroutedItems } from "./unrouted";

/** How long one split job splits before going back to the queue, so that apply jobs queued meanwhile get their turn. */
const splitJobBudgetMs = 1_000;

/**
 * Split jobs one worker runs at once. Each splits every waiting delivery, whatever its shard,
 * so more than two on one instance only contend for the same deliveries: under a status storm
 * the four shards' jobs kept running, held every slot for most of the time, and a workspace's
 * apply job waited up to hundreds of milliseconds for one (docs/PERFORMANCE.md, "30 November
 * 2026, night"). Two, so that one splitting a 3 MB delivery leaves the other the small ones.
 */
export const ingestQueueLimits: Record<string, number> = { [splitQueue]: 2 };

/** How long one apply job works on its workspace before going back to the queue behind the others due (workspaces take turns). */
export const applyJobBudgetMs = 1_000;

/**
 * The ingest pipeline's job handlers, for the process's worker (lib/server/background-jobs.ts).
 * A job stays `running` while it works, so the wake-ups of work arriving meanwhile find it and
 * enqueue nothing: one drain per workspace and one split per shard at a time, and no worker
 * slot spent waiting on another's lock (measured: with the job completed first, a status storm
 * kept up to four jobs of one workspace queued on its lock, and the splits starved). A job whose
 * time ran out with work left goes back to the queue. Done, it finishes (`finishJob`): if a
 * wake-up it absorbed has yet to commit, it goes back to the queue too; otherwise its row goes
 * and it looks once more, for work committed after its last claim whose wake-up it absorbed.
 */
export const ingestHandlers: Record<string, (job: Job) => Promise<"ended">> = {
  [splitQueue]: async (job) => {
    // Jobs migration 0013 enqueued name a delivery instead of a shard; any split job splits every waiting delivery.
    const shard = (job.payload as { shard?: number }).shard ?? 0;
    const { more } = await splitReceivedDeliveries(db(), splitJobBudgetMs);
    return endTurn(job, more, sql`select 1 from webhook_deliveries where state = 'received' and attempts = 0`, () =>
      enqueue(db(), splitQueue, { shard }, { dedupeKey: splitJobKey(shard), maxAttempts: splitMaxAttempts }),
    );
  },
  [applyQueue]: async (job) => {
    const { workspaceId } = job.payload as { workspaceId: string };
    const { more } = await drainWorkspace(workspaceId, applyJobBudgetMs);
    return endTurn(job, more, sql`select 1 from ingest_items where workspace_id = ${workspaceId} and state = 'pending' and run_at <= now()`, () =>
      enqueue(db(), applyQueue, { workspaceId }, { dedupeKey: workspaceId }),
    );
  },
};

/**
 * Ends an ingest job's turn: back to the queue when its time ran out with work left; otherwise
 * finished (`finishJob`), and when `waiting` then finds work no one holds, a fresh job for it
 * (`again`). Either way the job has ended here, not in the worker.
 */
async function endTurn(job: Job, more: boolean, waiting: SQL, again: () => Promise<unknown>): Promise<"ended"> {
  if (more) {
    await requeueJob(db(), job);
    return "ended";
  }
  if ((await finishJob(db(), job)) === "done" && (await anyWaiting(waiting))) await again();
  return "ended";
}

/** Whether `rows` has a row no one holds: rows another job has claimed (locked) are its to finish. */
async function anyWaiting(rows: SQL): Promise<boolean> {
  return (await rowsOf(db(), sql`${rows} limit 1 for update skip locked`)).length > 0;
}

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
    order by workspace_id::text
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
    // Each handler ends its own job (`endTurn`).
    for (const job of jobs) await ingestHandlers[job.queue]!(job);
  }
}
