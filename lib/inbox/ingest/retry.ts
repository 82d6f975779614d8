import { log } from "@/lib/log";
import { loadDelivery, pendingDeliveryIds } from "./deliveries";
import { processStoredDelivery } from "./process-delivery";
import { claimableUnroutedNumbers, processUnroutedDeliveries } from "./unrouted";

export type RetryReport = { retried: number; processed: number; failed: number; replayed: number };

/** How often the server looks for work to retry, and how many automatic attempts a delivery gets. */
const intervalMs = 60_000;
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

/** Runs `retrySchedule`: once on start-up, then every minute. */
export function startDeliveryRetries(): void {
  let running = false;
  const run = async (options: Parameters<typeof retryPendingDeliveries>[0]) => {
    if (running) return;
    running = true;
    try {
      await retryPendingDeliveries(options);
    } catch (error) {
      log.error("webhook_retry_failed", { error });
    } finally {
      running = false;
    }
  };
  void run(retrySchedule(new Date()).startUp);
  const timer = setInterval(() => void run(retrySchedule(new Date()).everyMinute), intervalMs);
  timer.unref();
}
