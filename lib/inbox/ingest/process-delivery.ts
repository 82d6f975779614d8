import { log, withLogContext } from "@/lib/log";
import { describeError } from "@/lib/logging/errors";
import { parseDelivery } from "@/lib/whatsapp/payload";
import { applyChange, type ChangeCounts } from "./apply-change";
import { markDelivery, type DeliveryOutcome } from "./deliveries";
import { routeLookup } from "./routing";
import { recordUnrouted } from "./unrouted";

/**
 * Walks every entry × change of a stored delivery and sends each to the workspace owning
 * its receiving number (`value.metadata.phone_number_id`), or records it as unrouted.
 * Idempotent: processing the same delivery again, or two copies at once, stores nothing twice.
 * Throws when storage fails; the caller marks the delivery failed for the retry.
 */
export async function processDelivery(delivery: { id: string; rawBody: string }): Promise<DeliveryOutcome> {
  const parsed = parseDelivery(delivery.rawBody);
  if (!parsed.ok) return { state: "ignored", note: parsed.reason };

  const route = routeLookup();
  const totals: ChangeCounts & { unrouted: number } = { messages: 0, statuses: 0, duplicates: 0, errors: 0, unrouted: 0 };
  for (const change of parsed.changes) {
    const owner = await route(change.phoneNumberId);
    if (!owner) {
      await recordUnrouted(delivery.id, change.phoneNumberId);
      totals.unrouted++;
      continue;
    }
    const counts = await applyChange(owner, change.value);
    totals.messages += counts.messages;
    totals.statuses += counts.statuses;
    totals.duplicates += counts.duplicates;
    totals.errors += counts.errors;
  }

  const note = describeSkipped(parsed.skipped);
  if (parsed.changes.length === 0) return { state: "ignored", note: note ?? "the delivery has no changes" };
  log.info("webhook_delivery_processed", { ...totals, skipped: parsed.skipped.length });
  return { state: "processed", note };
}

/** The first few skipped changes, so a delivery of thousands of bad changes logs one short line. */
function describeSkipped(skipped: string[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const shown = skipped.slice(0, 3).join("; ");
  return skipped.length > 3 ? `${shown}; and ${skipped.length - 3} more` : shown;
}

/** Processes a stored delivery and records how it went; a failure is kept for the retry, not thrown. */
export function processStoredDelivery(delivery: { id: string; rawBody: string }): Promise<DeliveryOutcome> {
  // Every line logged while processing (per message, per number) names the delivery.
  return withLogContext({ deliveryId: delivery.id }, async () => {
    let outcome: DeliveryOutcome;
    try {
      outcome = await processDelivery(delivery);
      if (outcome.state === "ignored") log.warn("webhook_delivery_ignored", { reason: outcome.note });
    } catch (error) {
      outcome = { state: "failed", error: describeError(error) };
      log.error("webhook_delivery_failed", { error });
    }
    await markDelivery(delivery.id, outcome);
    return outcome;
  });
}
