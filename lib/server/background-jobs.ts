import type { DatabaseHandle } from "@/db/client";
import { accountMailPruning } from "@/lib/account/mail-throttle";
import { loginAttemptPruning } from "@/lib/auth/throttle";
import { ingestHandlers, ingestSweep } from "@/lib/ingest/jobs";
import { deliveryRetention } from "@/lib/ingest/retention";
import { periodicWork } from "@/lib/jobs/periodic";
import { processWorkerRunning, setProcessWorker } from "@/lib/jobs/process-worker";
import { startWorker } from "@/lib/jobs/worker";
import { templateSync } from "@/lib/templates/templates";
import { numberChecks } from "@/lib/workspace/numbers";

const periodicJobs = [ingestSweep, deliveryRetention, templateSync(), numberChecks, loginAttemptPruning, accountMailPruning];

/**
 * Starts the process's job worker (stopped by server.ts through `stopProcessWorker`): the
 * webhook ingest pipeline (split each stored delivery, apply each workspace's items, woken by
 * NOTIFY) and its sweep every 10 seconds, raw-delivery retention, login-attempt and
 * account-mail pruning hourly, template sync and number re-checks every six hours. A
 * schedule's first occurrence is due at once on a new database; restarts keep each
 * schedule's next occurrence. Whatever a stopped or crashed server left (queued jobs, items
 * whose transaction died with it) is picked up by the first claim and the first sweep.
 */
export async function startBackgroundJobs(handle: DatabaseHandle): Promise<void> {
  if (processWorkerRunning()) return;
  const periodic = periodicWork(periodicJobs);
  setProcessWorker(
    startWorker(handle, {
      handlers: { ...periodic.handlers, ...ingestHandlers },
      schedules: periodic.schedules,
      // Ingest jobs stay running while they work (lib/ingest/jobs.ts): a dead instance's are
      // claimed again when this lapses, so it bounds how long its workspaces wait (the crash
      // suite measured 64 s with the default minute). Renewed every 5 s while a job runs.
      leaseMs: 15_000,
    }),
  );
}
