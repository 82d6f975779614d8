import type { DatabaseHandle } from "@/db/client";
import { embeddedVacuum } from "@/db/embedded-vacuum";
import { queueAnalysis } from "@/db/queue-analysis";
import { accountMailPruning } from "@/lib/account/mail-throttle";
import { loginAttemptPruning } from "@/lib/auth/throttle";
import { answersInFlight } from "@/lib/ingest/answers-first";
import { ingestHandlers, ingestQueueLimits, ingestSweep } from "@/lib/ingest/jobs";
import { deliveryRetention } from "@/lib/ingest/retention";
import { periodicWork } from "@/lib/jobs/periodic";
import { jobsThreadEntry, processWorkerRunning, setProcessWorker } from "@/lib/jobs/process-worker";
import { startWorker, type Worker } from "@/lib/jobs/worker";
import { templateSync } from "@/lib/templates/templates";
import { numberChecks } from "@/lib/workspace/numbers";
import { startJobsThread } from "./jobs-thread";

const periodicJobs = [ingestSweep, deliveryRetention, templateSync(), numberChecks, loginAttemptPruning, accountMailPruning, queueAnalysis, embeddedVacuum];

/**
 * Starts the process's job worker (stopped by server.ts through `stopProcessWorker`): the
 * webhook ingest pipeline (split each stored delivery, apply each workspace's items, woken by
 * NOTIFY) and its sweep every 10 seconds, the queues' statistics where no autovacuum keeps
 * them every 10 seconds (db/queue-analysis.ts), the embedded database's vacuum every minute
 * (db/embedded-vacuum.ts), raw-delivery retention, login-attempt and
 * account-mail pruning hourly, template sync and number re-checks every six hours. A
 * schedule's first occurrence is due at once on a new database; restarts keep each
 * schedule's next occurrence. Whatever a stopped or crashed server left (queued jobs, items
 * whose transaction died with it) is picked up by the first claim and the first sweep.
 *
 * On Postgres the server runs it on a thread of its own (lib/server/jobs-thread.ts), so that its
 * round trips no longer wait their turn on the event loop answering Meta; it lets those answers
 * go first by itself (lib/ingest/answers-first.ts). The embedded database lives in this thread
 * and serves no other: there it runs here.
 */
export async function startBackgroundJobs(handle: DatabaseHandle): Promise<void> {
  if (processWorkerRunning()) return;
  const entry = jobsThreadEntry();
  setProcessWorker(handle.kind === "postgres" && entry && handle.url ? await startJobsThread(entry, { databaseUrl: handle.url, answersInFlight: answersInFlight() }) : startJobWorker(handle));
}

/** The job worker on this thread, with the server's handlers and schedules. */
export function startJobWorker(handle: DatabaseHandle): Worker {
  const periodic = periodicWork(periodicJobs);
  return startWorker(handle, {
    handlers: { ...periodic.handlers, ...ingestHandlers },
    schedules: periodic.schedules,
    queueLimits: ingestQueueLimits,
    // Ingest jobs stay running while they work (lib/ingest/jobs.ts): a dead instance's are
    // claimed again when this lapses, so it bounds how long its workspaces wait (the crash
    // suite measured 64 s with the default minute). Renewed every 5 s while a job runs.
    leaseMs: 15_000,
  });
}
