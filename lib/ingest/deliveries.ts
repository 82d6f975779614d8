import { sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import { anyOf } from "@/db/any-of";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { webhookDeliveries } from "@/db/schema";
import { grouped, type GroupOptions } from "@/lib/grouped";
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
 * Deliveries received while others are being stored are stored together, up to `maxGroup` in
 * one statement: group commit (docs/PERFORMANCE.md, "deliveries stored together"). Above
 * `groupedBytes` a delivery goes alone, so that a few large bodies never make one huge
 * statement or hold small ones.
 */
const grouping: GroupOptions = { inFlight: 2, maxGroup: 64, deadlineMs: 10_000 };
const groupedBytes = 64 * 1024;

type Received = { raw: Uint8Array; bodySha256: string; text: string | null };

/**
 * Stores a signed delivery durably, once per distinct body, and wakes the processor. One
 * statement (so one round trip, and atomic on its own) inserts the raw deliveries of a group,
 * makes sure a split job is queued for each shard they fall in (holding a live one until the
 * commit, as `enqueue` does, so that it cannot finish without seeing them), and, when it queued
 * one, notifies the workers. A live split job needs no wake-up: running, it finds them before it
 * finishes; queued, it was announced when queued. Waking the workers for every delivery made
 * them claim (and find nothing) hundreds of times a second (docs/PERFORMANCE.md).
 * Meta's redelivery of the same bytes finds the row stored the first time and enqueues
 * nothing; a concurrent twin's insert waits for ours and then finds it. A body that is not
 * UTF-8 text is kept base64-encoded, as ignored, and nothing is enqueued.
 */
export function storeDelivery(db: Database, raw: Uint8Array): Promise<StoredDelivery> {
  const received: Received = { raw, bodySha256: createHash("sha256").update(raw).digest("hex"), text: asText(raw) };
  if (raw.byteLength > groupedBytes) return storeReceived(db, [received]).then(([stored]) => stored!);
  let group = groups.get(db);
  if (!group) groups.set(db, (group = grouped((inputs) => storeReceived(db, inputs), grouping)));
  return group(received);
}

const groups = new WeakMap<Database, (received: Received) => Promise<StoredDelivery>>();

async function storeReceived(db: Database, received: Received[]): Promise<StoredDelivery[]> {
  const rows = sql.join(
    received.map(({ raw, bodySha256, text }, i) => {
      const shard = Number.parseInt(bodySha256.slice(0, 2), 16) % splitShards;
      return text === null
        ? sql`(${i}::int, ${Buffer.from(raw).toString("base64")}::text, ${bodySha256}::text, 'ignored'::delivery_state, ${notTextError}::text, now(), ${shard}::int, ${splitJobKey(shard)}::text)`
        : sql`(${i}::int, ${text}::text, ${bodySha256}::text, 'received'::delivery_state, null::text, null::timestamptz, ${shard}::int, ${splitJobKey(shard)}::text)`;
    }),
    sql`, `,
  );
  const inserted = await rowsOf<{ id: string; body_sha256: string }>(
    db,
    sql`
    with received (i, raw_body, body_sha256, state, error, processed_at, shard, split_key) as (values ${rows}),
    stored as (
      insert into webhook_deliveries (raw_body, body_sha256, state, error, processed_at)
      select raw_body, body_sha256, state, error, processed_at from received order by i
      on conflict (body_sha256) do nothing
      returning id, body_sha256, state
    ), held as (
      select 1 from jobs where queue = ${splitQueue} and dedupe_key in (select split_key from received) and state in ('queued', 'running')
      for key share
    ), split as (
      insert into jobs (queue, payload, dedupe_key, max_attempts)
      select distinct ${splitQueue}, jsonb_build_object('shard', received.shard), received.split_key, ${splitMaxAttempts}::int
      from stored join received using (body_sha256) where stored.state = 'received' and (select count(*) from held) >= 0
      order by received.split_key
      on conflict (queue, dedupe_key) where state in ('queued', 'running') do nothing
      returning 1
    )
    select id, body_sha256, (select count(pg_notify(${jobsChannel}, ${splitQueue})) from (select 1 from split limit 1) as added) from stored`,
  );
  const ids = new Map(inserted.map((row) => [row.body_sha256, row.id]));
  const answers = received.map(({ bodySha256, text }) => {
    const id = ids.get(bodySha256);
    // The first of identical bodies in a group is the one stored; the rest are its redeliveries.
    ids.delete(bodySha256);
    return id === undefined ? null : { id, isNew: true, text: text !== null };
  });
  const redelivered = received.filter((_, i) => answers[i] === null).map((r) => r.bodySha256);
  if (redelivered.length === 0) return answers as StoredDelivery[];
  // A statement of its own, whose snapshot sees a twin that committed meanwhile.
  const existing = await rowsOf<{ id: string; body_sha256: string }>(
    db,
    sql`select id, body_sha256 from webhook_deliveries where ${anyOf(webhookDeliveries.bodySha256, redelivered)}`,
  );
  const existingIds = new Map(existing.map((row) => [row.body_sha256, row.id]));
  return answers.map((answer, i) => {
    if (answer) return answer;
    const id = existingIds.get(received[i]!.bodySha256);
    if (id === undefined) throw new Error("webhook delivery conflicted on its body hash but could not be read back");
    return { id, isNew: false, text: received[i]!.text !== null };
  });
}

/**
 * A split job's attempts: splitting only parses and inserts, so it fails only while the
 * database does. A delivery that fails to split is retried without end, and from this many
 * failures on its failures are logged as errors.
 */
export const splitMaxAttempts = 20;
