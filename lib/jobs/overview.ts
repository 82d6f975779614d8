import { asc, count, eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { jobs } from "@/db/schema";

export type JobsOverview = {
  /** Jobs per queue and state: queued (including those waiting out a backoff), running, parked. */
  counts: { queue: string; state: string; jobs: number }[];
  /** Jobs that used up their attempts, newest failure first, with the reason. */
  parked: { id: string; queue: string; attempts: number; lastFailedAt: Date | null; lastError: string | null }[];
};

/** What `npm run ops -- jobs` shows the operator. */
export async function jobsOverview(db: Database, limit = 50): Promise<JobsOverview> {
  const counts = await db
    .select({ queue: jobs.queue, state: jobs.state, jobs: count() })
    .from(jobs)
    .groupBy(jobs.queue, jobs.state)
    .orderBy(asc(jobs.queue), asc(jobs.state));
  const parked = await db
    .select({ id: jobs.id, queue: jobs.queue, attempts: jobs.attempts, lastFailedAt: jobs.lastFailedAt, lastError: jobs.lastError })
    .from(jobs)
    .where(eq(jobs.state, "parked"))
    .orderBy(sql`${jobs.lastFailedAt} desc nulls last`)
    .limit(limit);
  return { counts, parked };
}
