import { randomUUID } from "node:crypto";
import os from "node:os";
import type { DatabaseHandle } from "@/db/client";
import { describeError } from "@/lib/logging/errors";
import { log } from "@/lib/log";
import { backoffMs, capsLeft, claimJobs, completeJobs, extendLease, failJob, jobsChannel, type Job } from "./queue";
import { enqueueDueOccurrences, registerSchedules, type Schedule } from "./schedule";

/**
 * Runs a job. The worker then removes it, unless the handler says "ended": it finished the job
 * or handed it back itself (`finishJob`, `requeueJob`), and a second removal would be a
 * statement that finds nothing.
 */
export type JobHandler = (job: Job) => Promise<void | "ended">;

export type WorkerOptions = {
  /** The queues this worker runs, each with its handler. */
  handlers: Record<string, JobHandler>;
  /** Periodic jobs; each schedule's name must be one of `handlers`. */
  schedules?: Schedule[];
  /** How often an idle worker looks for due work without being woken (the NOTIFY fallback). */
  pollMs?: number;
  /** Jobs claimed and run at once. */
  concurrency?: number;
  /** At most this many jobs of a queue run at once, so that they leave the other slots to the rest. */
  queueLimits?: Record<string, number>;
  /** How long a claim holds a job unless renewed; a worker that dies loses its jobs after this. */
  leaseMs?: number;
  /** Delay before a failed job's next attempt. */
  backoff?: (attempt: number) => number;
};

export type Worker = {
  /** Claims now instead of at the next poll. */
  wake: () => void;
  /** Stops claiming and resolves once the jobs in hand have finished. */
  stop: () => Promise<void>;
};

/**
 * Runs jobs until stopped: claims due jobs (and enqueues due periodic occurrences) when an
 * enqueue notifies, when a job finishes, and every `pollMs` in any case, so a lost
 * notification delays work by one poll at most. A running job's lease is renewed every third of
 * `leaseMs`; a job whose handler throws is retried with backoff, and parked after its last attempt.
 */
export function startWorker(handle: DatabaseHandle, options: WorkerOptions): Worker {
  const { db } = handle;
  const queues = Object.keys(options.handlers);
  const schedules = options.schedules ?? [];
  const pollMs = options.pollMs ?? 5_000;
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? 60_000;
  const backoff = options.backoff ?? backoffMs;
  const name = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Each running job's queue.
  const running = new Map<Promise<void>, string>();
  // Jobs whose handlers returned, removed together at the next tick.
  let finished: Job[] = [];
  const flushFinished = async () => {
    const batch = finished;
    finished = [];
    try {
      await completeJobs(db, batch);
    } catch (error) {
      // Tried again at the next tick; a lease that lapses meanwhile makes the job run again.
      finished.push(...batch);
      throw error;
    }
  };
  let stopped = false;
  let wakeUp: () => void = () => {};
  let woken = false;

  const wake = () => {
    woken = true;
    wakeUp();
  };

  const sleep = () =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(resolve, pollMs);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async (job: Job) => {
    const handler = options.handlers[job.queue]!;
    const renew = setInterval(() => {
      extendLease(db, job, leaseMs).then(
        (lease) => lease === "lost" && log.warn("job_lease_lost", { jobId: job.id, queue: job.queue, attempt: job.attempts }),
        (error: unknown) => log.warn("job_lease_renewal_failed", { jobId: job.id, queue: job.queue, error }),
      );
    }, leaseMs / 3);
    try {
      // A job whose claimant died during its last attempt (the lease lapsed) is not run again.
      if (job.attempts > job.maxAttempts) throw new Error("its worker stopped during the last attempt (lease expired)");
      if ((await handler(job)) !== "ended") finished.push(job);
    } catch (error) {
      const reason = describeError(error);
      const outcome = await failJob(db, job, reason, backoff(job.attempts)).catch((failure: unknown) => {
        // The lease lapses and another claim retries it.
        log.error("job_fail_not_recorded", { jobId: job.id, queue: job.queue, error: failure });
        return null;
      });
      const fields = { jobId: job.id, queue: job.queue, attempt: job.attempts, maxAttempts: job.maxAttempts, error: reason };
      if (outcome === "parked") log.error("job_parked", fields);
      else if (outcome === "retry") log.warn("job_failed", fields);
    } finally {
      clearInterval(renew);
    }
  };

  let registered = schedules.length === 0;
  // Schedules count in seconds: a busy worker ticking after every job looks at them at most every poll (or second).
  let schedulesCheckedAt = -Infinity;
  // A lapsed lease means a worker died, and its jobs have waited out a lease of a minute already:
  // looked for as seldom as the schedules, not with each of the hundreds of wake-ups a second a
  // busy webhook sends, where it was a statement each that nearly always found nothing.
  let lapsedCheckedAt = -Infinity;
  const tick = async () => {
    await flushFinished();
    if (!registered) {
      await registerSchedules(db, schedules);
      registered = true;
    }
    if (schedules.length > 0 && performance.now() - schedulesCheckedAt >= Math.min(pollMs, 1_000)) {
      schedulesCheckedAt = performance.now();
      await enqueueDueOccurrences(db, schedules);
    }
    const room = concurrency - running.size;
    if (room <= 0) return;
    const lapsed = performance.now() - lapsedCheckedAt >= Math.min(pollMs, 1_000);
    if (lapsed) lapsedCheckedAt = performance.now();
    for (const job of await claimJobs(db, { queues, limit: room, leaseMs, worker: name, caps: capsLeft(options.queueLimits ?? {}, running.values()), lapsed })) {
      const task = run(job).finally(() => {
        running.delete(task);
        wake();
      });
      running.set(task, job.queue);
    }
  };

  const loop = (async () => {
    let unlisten: (() => Promise<void>) | null = null;
    try {
      unlisten = await handle.listen(jobsChannel, (queue) => queues.includes(queue) && wake(), wake);
    } catch (error) {
      log.warn("jobs_listen_failed", { error, fallback: `polling every ${pollMs} ms` });
    }
    while (!stopped) {
      woken = false;
      try {
        await tick();
      } catch (error) {
        log.warn("jobs_claim_failed", { error });
      }
      await sleep();
    }
    await Promise.all(running.keys());
    await flushFinished().catch((error: unknown) => log.warn("jobs_complete_failed", { error }));
    await unlisten?.().catch(() => {});
  })();

  return {
    wake,
    stop: async () => {
      stopped = true;
      wakeUp();
      await loop;
    },
  };
}
