import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { env } from "@/lib/config/env";
import { log } from "@/lib/log";

/**
 * Deletes raw deliveries (customers' messages, in a platform table) `days` after they were
 * processed, with their done items. A delivery that still has an item pending, unrouted or
 * quarantined stays, whatever its age, until the item is applied, replayed or discarded.
 * Returns how many deliveries it deleted.
 */
export async function deleteExpiredDeliveries(days: number): Promise<number> {
  const result = await db().execute(sql`
    delete from webhook_deliveries d
    where d.processed_at < now() - ${days} * interval '1 day'
      and d.state in ('processed', 'ignored')
      and not exists (select 1 from ingest_items i where i.delivery_id = d.id and i.state <> 'done')
    returning d.id`);
  const deleted = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows).length;
  if (deleted > 0) log.info("raw_deliveries_deleted", { deliveries: deleted, olderThanDays: days });
  return deleted;
}

/** Hourly, with `RAW_DELIVERY_RETENTION_DAYS`. */
export const deliveryRetention = {
  name: "raw-delivery-retention",
  everySeconds: 3600,
  run: () => deleteExpiredDeliveries(env().RAW_DELIVERY_RETENTION_DAYS),
};
