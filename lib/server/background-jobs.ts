import type { DatabaseHandle } from "@/db/client";
import { accountMailPruning } from "@/lib/account/mail-throttle";
import { loginAttemptPruning } from "@/lib/auth/throttle";
import { deliveryRetries } from "@/lib/inbox/ingest/retry";
import { periodicWork } from "@/lib/jobs/periodic";
import { processWorkerRunning, setProcessWorker } from "@/lib/jobs/process-worker";
import { enqueue } from "@/lib/jobs/queue";
import { periodicDedupeKey } from "@/lib/jobs/schedule";
import { startWorker } from "@/lib/jobs/worker";
import { templateSync } from "@/lib/templates/templates";
import { numberChecks } from "@/lib/workspace/numbers";

const periodicJobs = [deliveryRetries, templateSync(), numberChecks, loginAttemptPruning, accountMailPruning];

/**
 * Starts the process's job worker (stopped by server.ts through `stopProcessWorker`): delivery
 * retries every minute, template sync and number re-checks every six hours, login-attempt
 * and account-mail pruning hourly. A schedule's first occurrence is due at once on a new database; restarts keep
 * each schedule's next occurrence.
 */
export async function startBackgroundJobs(handle: DatabaseHandle): Promise<void> {
  if (processWorkerRunning()) return;
  // What a stopped or crashed server left unprocessed, also past its automatic attempts (a new
  // deployment may be what fixes them): once per start, and once for instances starting
  // together. It takes the place of the every-minute occurrence due meanwhile (same key).
  await enqueue(handle.db, deliveryRetries.name, { sweep: "startUp" }, { dedupeKey: periodicDedupeKey, maxAttempts: 1 });
  setProcessWorker(startWorker(handle, periodicWork(periodicJobs)));
}
