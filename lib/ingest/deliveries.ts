import { eq, sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import type { Database } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";
import { jobsChannel } from "@/lib/jobs/queue";
import { splitQueue } from "./queues";

/** Fatal decoding: a body that is not UTF-8 text is not JSON Meta sent. */
const utf8 = new TextDecoder("utf-8", { fatal: true });
export const notTextError = "body is not UTF-8 text (kept base64-encoded in raw_body)";

function asText(raw: Uint8Array): string | null {
  try {
    const text = utf8.decode(raw);
    // Postgres text cannot hold NUL; JSON never contains a raw one.
    return text.includes("\u0000") ? null : text;
  } catch {
    return null;
  }
}

export type StoredDelivery = { id: string; isNew: boolean; text: boolean };

/**
 * Split jobs live at once, at most: each splits whatever deliveries are waiting (SKIP LOCKED,
 * lib/ingest/split-job.ts), so this many instances or workers can split side by side. A
 * delivery wakes the shard its hash falls in, and its enqueue does nothing while that shard's
 * job is queued.
 */
export const splitShards = 4;
export const splitJobKeyPrefix = "split:";
export const splitJobKey = (shard: number) => `${splitJobKeyPrefix}${shard}`;

/**
 * Stores a signed delivery durably, once per distinct body, and wakes the processor: one
 * statement (so one round trip, and atomic on its own) inserts the raw delivery, makes sure a
 * split job is queued and notifies the workers. Meta's redelivery of the same bytes finds the
 * row stored the first time and enqueues nothing; a concurrent twin's insert waits for ours
 * and then finds it. A body that is not UTF-8 text is kept base64-encoded, as ignored, and
 * nothing is enqueued.
 */
export async function storeDelivery(db: Database, raw: Uint8Array): Promise<StoredDelivery> {
  const bodySha256 = createHash("sha256").update(raw).digest("hex");
  const text = asText(raw);
  const shard = Number.parseInt(bodySha256.slice(0, 2), 16) % splitShards;
  const row =
    text === null
      ? sql`${Buffer.from(raw).toString("base64")}, ${bodySha256}, 'ignored'::delivery_state, ${notTextError}, now()`
      : sql`${text}, ${bodySha256}, 'received'::delivery_state, null, null`;
  const result = await db.execute(sql`
    with stored as (
      insert into webhook_deliveries (raw_body, body_sha256, state, error, processed_at) values (${row})
      on conflict (body_sha256) do nothing
      returning id, state
    ), split as (
      insert into jobs (queue, payload, dedupe_key, max_attempts)
      select ${splitQueue}, ${JSON.stringify({ shard })}::jsonb, ${splitJobKey(shard)}, ${splitMaxAttempts} from stored where state = 'received'
      on conflict (queue, dedupe_key) where state in ('queued', 'running') do nothing
    )
    select id, pg_notify(${jobsChannel}, ${splitQueue}) from stored`);
  const [inserted] = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { id: string }[];
  if (inserted) return { id: inserted.id, isNew: true, text: text !== null };
  // A redelivery: a statement of its own, whose snapshot sees a twin that committed meanwhile.
  const [existing] = await db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.bodySha256, bodySha256));
  if (!existing) throw new Error("webhook delivery conflicted on its body hash but could not be read back");
  return { id: existing.id, isNew: false, text: text !== null };
}

/**
 * A split job's attempts: splitting only parses and inserts, so it fails only while the
 * database does. A delivery that fails to split is retried without end, and from this many
 * failures on its failures are logged as errors.
 */
export const splitMaxAttempts = 20;
