import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { jobs, jobSchedules } from "@/db/schema";
import { enqueue } from "./queue";

/** The dedupe key of every periodic occurrence: one queued or running per schedule at a time. */
export const periodicDedupeKey = "periodic";

export type Schedule = {
  /** The schedule's name, and the queue its occurrences are enqueued on. */
  name: string;
  everySeconds: number;
  payload?: unknown;
  maxAttempts?: number;
};

/**
 * Records the schedules, keeping each one's next occurrence across restarts: a new schedule is
 * due at once; a shortened interval brings the next occurrence forward.
 */
export async function registerSchedules(db: Database, schedules: Schedule[]): Promise<void> {
  if (schedules.length === 0) return;
  await db
    .insert(jobSchedules)
    .values(schedules.map((s) => ({ name: s.name, everySeconds: s.everySeconds, nextRunAt: sql`now()` })))
    .onConflictDoUpdate({
      target: jobSchedules.name,
      set: {
        everySeconds: sql`excluded.every_seconds`,
        nextRunAt: sql`least(${jobSchedules.nextRunAt}, now() + excluded.every_seconds * interval '1 second')`,
      },
    });
}

/**
 * Enqueues each schedule's due occurrence once across all instances: the schedule row is
 * claimed (SKIP LOCKED) and moved to its next occurrence in the transaction that enqueues the
 * job. An occurrence whose previous one is still queued or running is skipped (dedupe key), so a
 * slow job is never doubled. Returns the names enqueued.
 */
export async function enqueueDueOccurrences(db: Database, schedules: Schedule[]): Promise<string[]> {
  if (schedules.length === 0) return [];
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ name: jobSchedules.name })
      .from(jobSchedules)
      .where(and(inArray(jobSchedules.name, schedules.map((s) => s.name)), lte(jobSchedules.nextRunAt, sql`now()`)))
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    const names = due.map((d) => d.name);
    await tx
      .update(jobSchedules)
      .set({ nextRunAt: sql`now() + ${jobSchedules.everySeconds} * interval '1 second'` })
      .where(inArray(jobSchedules.name, names));
    // A failed occurrence stays parked, for the operator, until the next one replaces it.
    await tx.delete(jobs).where(and(inArray(jobs.queue, names), eq(jobs.dedupeKey, periodicDedupeKey), eq(jobs.state, "parked")));
    const enqueued: string[] = [];
    for (const schedule of schedules.filter((s) => names.includes(s.name))) {
      const id = await enqueue(tx, schedule.name, schedule.payload ?? {}, { dedupeKey: periodicDedupeKey, maxAttempts: schedule.maxAttempts ?? 1 });
      if (id) enqueued.push(schedule.name);
    }
    return enqueued;
  });
}
