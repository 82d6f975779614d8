import { and, eq, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Database, Tx } from "@/db/client";
import { anyOf } from "@/db/any-of";
import { rowsOf } from "@/db/rows";
import { jobs } from "@/db/schema";

/** The channel an enqueue notifies, so idle workers claim at once instead of at their next poll. */
export const jobsChannel = "switchboard_jobs";

export type Executor = Database | Tx;

export type Job<P = unknown> = {
  id: string;
  queue: string;
  payload: P;
  /** This claim's attempt, from 1. */
  attempts: number;
  /**
   * This claim's token (`locked_by`: the worker and a random part): the fence that keeps a
   * worker whose lease lapsed from finishing a job another claim now holds, the same
   * worker's later claim of a job handed back (`requeueJob`) included.
   */
  claim: string;
  maxAttempts: number;
};

export type EnqueueOptions = {
  /**
   * While a job with this key is queued or running in the queue, another enqueue with it adds
   * nothing: that job stands for both. It holds the job's row (FOR KEY SHARE) until the
   * enqueuer's transaction ends, so the job cannot finish unseen before the enqueuer's work
   * commits (`finishJob`).
   */
  dedupeKey?: string;
  runAt?: Date;
  maxAttempts?: number;
};

export const defaultMaxAttempts = 5;

/** A queued or running job: the jobs whose dedupe keys are taken (the partial unique index `jobs_live_dedupe_key`). */
const live = sql`state in ('queued', 'running')`;

/**
 * Adds a job; inside the caller's transaction when given its `tx`, so the job exists only if
 * the caller's work commits (and the wake-up is sent on that commit). Returns the job's id, or
 * null when a job with the same dedupe key already exists.
 */
export async function enqueue(executor: Executor, queue: string, payload: unknown = {}, options: EnqueueOptions = {}): Promise<string | null> {
  const [id] = await insertJobs(executor, queue, [{ payload, options }]);
  return id ?? null;
}

/** `enqueue` for many jobs of one queue in one statement, whatever their number; returns how many were added. */
export async function enqueueAll(executor: Executor, queue: string, entries: Array<{ payload: unknown; options?: EnqueueOptions }>): Promise<number> {
  return (await insertJobs(executor, queue, entries)).length;
}

/**
 * One statement: holds the live jobs that have the entries' dedupe keys, then inserts those
 * whose key no live job has, in key order (as every multi-key enqueue does: two inserting the
 * same keys in different orders each waited on the other, a deadlock seen under the fuzz
 * suite), and notifies the workers if it added any. The hold comes first
 * (the insert waits on its count): held after the insert looked, a job could finish between
 * the two.
 */
async function insertJobs(executor: Executor, queue: string, entries: Array<{ payload: unknown; options?: EnqueueOptions }>): Promise<string[]> {
  if (entries.length === 0) return [];
  const rows = entries.map(({ payload, options = {} }) => ({
    payload,
    dedupeKey: options.dedupeKey ?? null,
    runAt: options.runAt ?? null,
    maxAttempts: options.maxAttempts ?? defaultMaxAttempts,
  }));
  const keys = rows.flatMap((row) => (row.dedupeKey === null ? [] : [row.dedupeKey]));
  const added = await rowsOf<{ id: string }>(
    executor,
    sql`
    with held as (
      select 1 from ${jobs} where ${jobs.queue} = ${queue} and ${anyOf(jobs.dedupeKey, keys)} and ${live} for key share
    ), added as (
      insert into ${jobs} (queue, payload, dedupe_key, run_at, max_attempts)
      select ${queue}, r."payload", r."dedupeKey", coalesce(r."runAt", now()), r."maxAttempts"
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r("payload" jsonb, "dedupeKey" text, "runAt" timestamptz, "maxAttempts" int)
      where (select count(*) from held) >= 0
      order by r."dedupeKey"
      on conflict (queue, dedupe_key) where ${live} do nothing
      returning id
    )
    select id::text, pg_notify(${jobsChannel}, ${queue}) from added`,
  );
  return added.map((row) => row.id);
}

type ClaimInput = {
  queues: string[];
  limit: number;
  leaseMs: number;
  worker: string;
  /** At most this many jobs of a queue in this claim (queues not named: up to `limit`). */
  caps?: Record<string, number>;
  /** Whether to look for jobs whose claimant's lease lapsed (default true); a statement of its own. */
  lapsed?: boolean;
};

/**
 * Takes up to `limit` jobs of the given queues whose claimant's lease lapsed, then jobs that are
 * due, and leases them to `worker` for `leaseMs`. SKIP LOCKED: concurrent claimers take disjoint
 * jobs without waiting on each other. Two statements, each on its own partial index, rather than
 * one whose OR would sort every queued row; the first only when `lapsed` is not false.
 */
export async function claimJobs(db: Database, input: ClaimInput): Promise<Job[]> {
  const lapsed = input.lapsed === false ? [] : await lease(db, input, and(eq(jobs.state, "running"), lt(jobs.lockedUntil, sql`now()`))!);
  if (lapsed.length >= input.limit) return lapsed;
  const caps = input.caps && capsLeft(input.caps, lapsed.map((job) => job.queue));
  const due = await lease(db, { ...input, limit: input.limit - lapsed.length, caps }, and(eq(jobs.state, "queued"), lte(jobs.runAt, sql`now()`))!);
  return [...lapsed, ...due];
}

/** What `caps` leaves once jobs of these queues are taken (or running): one less per job of a capped queue. */
export function capsLeft(caps: Record<string, number>, taken: Iterable<string>): Record<string, number> {
  const left = { ...caps };
  for (const queue of taken) if (queue in left) left[queue]! -= 1;
  return left;
}

async function lease(db: Database, input: ClaimInput, claimable: SQL): Promise<Job[]> {
  const ids = claimableIds(input, claimable);
  if (!ids) return [];
  return db
    .update(jobs)
    .set({
      state: "running",
      attempts: sql`${jobs.attempts} + 1`,
      lockedUntil: sql`now() + ${input.leaseMs} * interval '1 millisecond'`,
      lockedBy: sql`${input.worker} || '#' || gen_random_uuid()`,
    })
    .where(sql`${jobs.id} in (${ids})`)
    .returning({ id: jobs.id, queue: jobs.queue, payload: jobs.payload, attempts: jobs.attempts, maxAttempts: jobs.maxAttempts, claim: sql<string>`${jobs.lockedBy}` });
}

/**
 * The oldest claimable jobs' ids, locked FOR NO KEY UPDATE, which an enqueue's hold (FOR KEY
 * SHARE) does not block: a job held by enqueuers one after another is still claimed. A capped
 * queue gets a lock of its own, at most its cap deep, and the oldest of all those go: one
 * statement however many queues are capped (a locking clause is not allowed on a UNION, but is
 * in each of its CTEs). Null when nothing may be taken.
 */
function claimableIds(input: ClaimInput, claimable: SQL): SQL | null {
  const caps = input.caps ?? {};
  const free = input.queues.filter((q) => !(q in caps));
  const capped = input.queues.filter((q) => (caps[q] ?? 0) > 0);
  const oldest = (queues: string[], limit: number, columns = sql`${jobs.id}, ${jobs.runAt}`) =>
    sql`select ${columns} from ${jobs} where ${and(inArray(jobs.queue, queues), claimable)} order by ${jobs.runAt} limit ${limit} for no key update skip locked`;
  if (capped.length === 0) return free.length === 0 ? null : oldest(free, input.limit, sql`${jobs.id}`);
  const parts = [...(free.length > 0 ? [oldest(free, input.limit)] : []), ...capped.map((q) => oldest([q], Math.min(caps[q]!, input.limit)))];
  const ctes = sql.join(parts.map((part, i) => sql`${sql.raw(`c${i}`)} as (${part})`), sql`, `);
  const all = sql.join(parts.map((_, i) => sql`select * from ${sql.raw(`c${i}`)}`), sql` union all `);
  return sql`with ${ctes} select id from (${all}) as claimable order by run_at limit ${input.limit}`;
}

/** This claim's row, and only while it is still this claim's. */
const heldBy = (job: Job) => and(eq(jobs.id, job.id), eq(jobs.lockedBy, job.claim), eq(jobs.state, "running"));

/**
 * Keeps a running job's lease: "held". Otherwise "lost" when another claim runs the job now (its
 * lease lapsed and was reclaimed), or "ended" when nothing runs it any more (finished, handed
 * back or parked): what a renewal sent as its own job ends finds, which is no loss.
 */
export async function extendLease(db: Database, job: Job, leaseMs: number): Promise<"held" | "lost" | "ended"> {
  const rows = await db
    .update(jobs)
    .set({ lockedUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
    .where(heldBy(job))
    .returning({ id: jobs.id });
  if (rows.length > 0) return "held";
  const [now] = await db.select({ state: jobs.state }).from(jobs).where(eq(jobs.id, job.id));
  return now?.state === "running" ? "lost" : "ended";
}

/**
 * Removes a finished job. Given the handler's transaction, the job is done exactly when the
 * handler's writes commit; false when the lease was lost meanwhile (the caller should roll back).
 */
export async function completeJob(executor: Executor, job: Job): Promise<boolean> {
  return (await completeJobs(executor, [job])) > 0;
}

/** Removes finished jobs still held by their claims, in one statement; returns how many. */
export async function completeJobs(executor: Executor, finished: Job[]): Promise<number> {
  if (finished.length === 0) return 0;
  const rows = await executor
    .delete(jobs)
    .where(or(...finished.map(heldBy)))
    .returning({ id: jobs.id });
  return rows.length;
}

/**
 * Removes a finished job, unless an enqueue it stands for has yet to commit (its enqueuer holds
 * the row, `EnqueueOptions.dedupeKey`): then hands it back to the queue instead, to run again
 * once it is claimed, for the enqueuer's work it could not see. "lost" when the lease was lost
 * meanwhile. A worker's own lease renewal, in flight at that moment, hands it back too: one
 * run more, never one less.
 */
export async function finishJob(executor: Executor, job: Job): Promise<"done" | "requeued" | "lost"> {
  const removed = await executor
    .delete(jobs)
    .where(sql`${jobs.id} in (select ${jobs.id} from ${jobs} where ${heldBy(job)} for update skip locked)`)
    .returning({ id: jobs.id });
  if (removed.length > 0) return "done";
  return (await requeueJob(executor, job)) ? "requeued" : "lost";
}

/**
 * Hands a running job back to its queue, due now, behind the jobs already due: what a job does
 * when its time is up and work remains. The attempt is not counted (the next claim takes the
 * same number again). False when the lease was lost.
 */
export async function requeueJob(executor: Executor, job: Job): Promise<boolean> {
  const rows = await executor
    .update(jobs)
    .set({ state: "queued", runAt: sql`now()`, attempts: sql`${jobs.attempts} - 1`, lockedUntil: null, lockedBy: null })
    .where(heldBy(job))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/**
 * Records a failed attempt: the job waits `delayMs` before its next attempt, or, after its
 * last, is parked (kept with its error for the operator, never retried by itself).
 */
export async function failJob(db: Database, job: Job, error: string, delayMs: number): Promise<"retry" | "parked"> {
  const parked = job.attempts >= job.maxAttempts;
  await db
    .update(jobs)
    .set({
      state: parked ? "parked" : "queued",
      runAt: parked ? undefined : sql`now() + ${delayMs} * interval '1 millisecond'`,
      lockedUntil: null,
      lockedBy: null,
      lastError: error.slice(0, 1000),
      lastFailedAt: sql`now()`,
    })
    .where(heldBy(job));
  return parked ? "parked" : "retry";
}

/** Exponential backoff: 5 s after the first failure, doubling, at most an hour. */
export function backoffMs(attempt: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 60 * 60_000);
}
