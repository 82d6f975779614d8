import { log } from "@/lib/log";
import { loadDelivery, pendingDeliveryIds } from "./deliveries";
import { processStoredDelivery } from "./process-delivery";
import { claimableUnroutedNumbers, processUnroutedDeliveries } from "./unrouted";

export type RetryReport = { retried: number; processed: number; failed: number; replayed: number };

/** How many automatic attempts a delivery gets. */
const maxAutomaticAttempts = 10;
/** A delivery younger than this may still be in the hands of the request that stored it. */
const inFlightGraceMs = 2 * 60_000;

/**
 * Re-processes deliveries whose processing failed or never finished, then replays unrouted
 * items whose number has since found an owner. Idempotent, so running it twice, or on two
 * servers, stores nothing twice.
 */
export async function retryPendingDeliveries(options: { receivedBefore?: Date; maxAttempts?: number } = {}): Promise<RetryReport> {
  const report: RetryReport = { retried: 0, processed: 0, failed: 0, replayed: 0 };
  const ids = await pendingDeliveryIds({ receivedBefore: options.receivedBefore ?? new Date(), maxAttempts: options.maxAttempts });
  for (const id of ids) {
    const delivery = await loadDelivery(id);
    if (!delivery) continue;
    report.retried++;
    const outcome = await processStoredDelivery(delivery);
    if (outcome.state === "failed") report.failed++;
    else report.processed++;
  }
  for (const phoneNumberId of await claimableUnroutedNumbers()) {
    report.replayed += await processUnroutedDeliveries(phoneNumberId);
  }
  if (report.retried > 0 || report.replayed > 0) log.info("webhook_retry_finished", report);
  return report;
}

/**
 * What each run retries, as of `now`: at start-up everything left over (also deliveries past
 * their automatic attempts: a new deployment may be what fixes them); every minute, what is
 * past the in-flight grace, failures only while they have attempts left.
 */
export function retrySchedule(now: Date) {
  return {
    startUp: { receivedBefore: now },
    everyMinute: { receivedBefore: new Date(now.getTime() - inFlightGraceMs), maxAttempts: maxAutomaticAttempts },
  };
}

/**
 * The periodic retry, run by the server's job worker (lib/server/background-jobs.ts): every
 * minute the `everyMinute` sweep; the `startUp` sweep once when a server starts. A pass still
 * running when the next is due is not doubled, on one server or several.
 */
export const deliveryRetries = {
  name: "webhook-retries",
  everySeconds: 60,
  payload: { sweep: "everyMinute" },
  run: async (payload: unknown) => {
    const sweep = (payload as { sweep?: unknown }).sweep === "startUp" ? "startUp" : "everyMinute";
    await retryPendingDeliveries(retrySchedule(new Date())[sweep]);
  },
};
