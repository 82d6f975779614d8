import { and, asc, eq, gt, lt, lte, sql } from "drizzle-orm";
import type { Database, Tx } from "@/db/client";
import { pipelined } from "@/db/pipelined";
import { ingestItems, webhookDeliveries } from "@/db/schema";
import { describeError } from "@/lib/logging/errors";
import { enqueueAll } from "@/lib/jobs/queue";
import { log, withLogContext } from "@/lib/log";
import { letAnswersGoFirst } from "./answers-first";
import { splitMaxAttempts } from "./deliveries";
import { applyQueue } from "./queues";
import { itemRouter, type ItemRoute } from "./route";
import { splitDelivery, type SplitItem } from "./split";

/** Rows per insert statement: a 3 MB delivery's thousands of items go as several JSON parameters of moderate size, not one string of megabytes. */
const insertChunk = 1000;

/**
 * Deliveries split in one transaction, at most. Single-message deliveries arrive by the hundred
 * per second; split one per transaction (and one job each), their bookkeeping cost more than the
 * ack and kept the apply jobs waiting behind them (docs/PERFORMANCE.md, "After issue 15").
 */
const deliveriesPerBatch = 100;
/**
 * Deliveries larger than this are split one per transaction, in turn with the batches of the
 * smaller ones: a 3 MB delivery of statuses takes seconds to insert its thousands of items, and
 * customers' messages claimed beside it would wait for that.
 */
const largeDeliveryBytes = 64 * 1024;

export type SplitReport = { items: number; pending: number; unrouted: number; quarantined: number; note: string | null };

type Claimed = { id: string; rawBody: string; receivedAt: Date };
type ItemRow = typeof ingestItems.$inferInsert;

/**
 * Splits the oldest received deliveries, a batch per transaction, until none is left or
 * `budgetMs` has passed; returns whether some may remain. Each batch is claimed with FOR
 * UPDATE SKIP LOCKED, so instances splitting at once take different deliveries, and a crash
 * rolls its batch back to `received`. Large deliveries go one per transaction, in turn with the
 * batches of small ones. A batch that fails is split again one delivery per
 * transaction, so that one delivery that cannot be split holds back no other; such a delivery
 * is left to `retryFailedSplits`. Each batch waits for the webhook's answers in flight first
 * (`letAnswersGoFirst`).
 */
export async function splitReceivedDeliveries(db: Database, budgetMs: number): Promise<{ split: number; more: boolean }> {
  const deadline = performance.now() + budgetMs;
  let split = 0;
  while (performance.now() < deadline) {
    await letAnswersGoFirst();
    const small = await splitBatch(db, { limit: deliveriesPerBatch, large: false });
    const large = (await largeWaiting(db)) ? await splitBatch(db, { limit: 1, large: true }) : 0;
    split += small + large;
    // A batch short of its limit took every small delivery waiting (none held by another split):
    // asking again would find nothing, in a transaction of its own. Deliveries stored since are
    // the split job's to find as it finishes (lib/ingest/jobs.ts).
    if (small < deliveriesPerBatch && large === 0) return { split, more: false };
  }
  return { split, more: true };
}

/**
 * Whether a large delivery waits to be split, in one statement outside a transaction: most
 * turns find none, and claiming to learn that took three round trips (begin, claim, commit).
 */
async function largeWaiting(db: Database): Promise<boolean> {
  const rows = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(waitingOfSize(true))
    .limit(1);
  return rows.length > 0;
}

/** One batch of waiting deliveries of one size class; returns how many it claimed. */
async function splitBatch(db: Database, which: { limit: number; large: boolean }): Promise<number> {
  let claimed: string[] = [];
  let woken: string[] = [];
  try {
    await db.transaction(async (tx) => {
      const rows = await claimReceived(tx, which);
      claimed = rows.map((r) => r.id);
      if (rows.length > 0) woken = (await splitClaimed(tx, rows)).workspaces;
    });
  } catch (error) {
    if (claimed.length === 0) throw error;
    for (const id of claimed) await splitAlone(db, id);
    return claimed.length;
  }
  await wakeWorkspaces(db, woken);
  return claimed.length;
}

/**
 * Splits one stored delivery in a transaction of its own, if it is still waiting to be split:
 * what a batch falls back to, and what tests call to split a delivery they choose.
 */
export async function splitStoredDelivery(db: Database, deliveryId: string): Promise<SplitReport | null> {
  const split = await db.transaction(async (tx) => {
    const rows = await claimReceived(tx, { limit: 1, deliveryId });
    return rows.length > 0 ? splitClaimed(tx, rows) : null;
  });
  if (!split) return null;
  await wakeWorkspaces(db, split.workspaces);
  return split.reports[0]!;
}

/**
 * Wakes the apply job of each workspace a split gave work, once the split has committed. A
 * workspace's running apply job absorbs the wake-up (the enqueue finds its live key and adds
 * nothing) and, once done, looks once more for work (lib/ingest/jobs.ts): woken only after the
 * commit, that look sees the items, whatever the order. Woken inside the transaction, a job
 * could finish and look between the enqueue and the commit, and leave the items to the sweep
 * (docs/PERFORMANCE.md, "The wake-ups put back last"). Dying between the commit and this
 * leaves them to the sweep too, which is its job.
 */
async function wakeWorkspaces(db: Database, workspaces: string[]): Promise<void> {
  await enqueueAll(db, applyQueue, workspaces.map((workspaceId) => ({ payload: { workspaceId }, options: { dedupeKey: workspaceId } })));
}

/** Received deliveries no split has failed on yet, of one size class (`octet_length` reads the stored size, not the body). */
function waitingOfSize(large: boolean) {
  const size = sql<number>`octet_length(${webhookDeliveries.rawBody})`;
  return and(eq(webhookDeliveries.state, "received"), eq(webhookDeliveries.attempts, 0), large ? gt(size, largeDeliveryBytes) : lte(size, largeDeliveryBytes));
}

/** Received deliveries, oldest first: a given one, or those waiting of one size class. */
async function claimReceived(tx: Tx, which: { limit: number; deliveryId?: string; large?: boolean }): Promise<Claimed[]> {
  return tx
    .select({ id: webhookDeliveries.id, rawBody: webhookDeliveries.rawBody, receivedAt: webhookDeliveries.receivedAt })
    .from(webhookDeliveries)
    .where(
      which.deliveryId ? and(eq(webhookDeliveries.state, "received"), eq(webhookDeliveries.id, which.deliveryId)) : waitingOfSize(which.large ?? false),
    )
    .orderBy(asc(webhookDeliveries.receivedAt))
    .limit(which.limit)
    .for("update", { skipLocked: true });
}

/** A stored delivery that a split failed on and that is still waiting to be split (`npm run ops -- deliveries` lists them). */
export const splitFailedOn = and(eq(webhookDeliveries.state, "received"), gt(webhookDeliveries.attempts, 0));

/**
 * Splits again, one by one, deliveries a split failed on and that arrived over a minute ago:
 * the ingest sweep calls it every few seconds, so such a delivery is retried until it splits,
 * and never dropped. Returns how many it tried.
 */
export async function retryFailedSplits(db: Database, limit = 10): Promise<number> {
  const failed = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(splitFailedOn, lt(webhookDeliveries.receivedAt, sql`now() - interval '1 minute'`)))
    .orderBy(asc(webhookDeliveries.receivedAt))
    .limit(limit);
  for (const { id } of failed) await splitAlone(db, id);
  return failed.length;
}

/** A delivery split alone; when that fails too, the attempt and its reason are kept on the row. */
async function splitAlone(db: Database, deliveryId: string): Promise<void> {
  try {
    await splitStoredDelivery(db, deliveryId);
  } catch (error) {
    const reason = describeError(error).slice(0, 1000);
    const [row] = await db
      .update(webhookDeliveries)
      .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, error: reason })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.state, "received")))
      .returning({ attempts: webhookDeliveries.attempts });
    const fields = { deliveryId, attempt: row?.attempts, reason };
    if ((row?.attempts ?? 0) >= splitMaxAttempts) log.error("webhook_delivery_split_failed", fields);
    else log.warn("webhook_delivery_split_failed", fields);
  }
}

/**
 * Inserts items as one JSON parameter rather than one parameter per column and row: building
 * and sending 15 parameters for each of thousands of items was a tenth of the server's CPU
 * under a status storm (docs/PERFORMANCE.md). A position already split inserts nothing.
 */
async function insertItems(tx: Tx, items: ItemRow[]): Promise<void> {
  for (let i = 0; i < items.length; i += insertChunk) {
    const rows = items.slice(i, i + insertChunk);
    await tx.execute(sql`
      insert into ${ingestItems} (delivery_id, position, path, kind, lane, route_by, phone_number_id, waba_id, workspace_id,
        business_number_id, state, last_error, occurred_at, timestamp_substituted, body)
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r("deliveryId" uuid, position int, path text, kind text,
        lane text, "routeBy" text, "phoneNumberId" text, "wabaId" text, "workspaceId" uuid, "businessNumberId" uuid, state text,
        "lastError" text, "occurredAt" timestamptz, "timestampSubstituted" boolean, body jsonb)
      on conflict do nothing`);
  }
}

/**
 * Splits claimed deliveries into routed items, in the caller's transaction: the items (each
 * unique per delivery and position, so a second split inserts nothing) and each delivery marked
 * as split (`processed`, or `ignored` with the reason when nothing in it can be applied).
 * Returns the workspaces that have new work, for the caller to wake once this commits.
 */
async function splitClaimed(tx: Tx, deliveries: Claimed[]): Promise<{ reports: SplitReport[]; workspaces: string[] }> {
  const route = itemRouter(tx);
  const items: ItemRow[] = [];
  const marks: Array<{ id: string; state: "processed" | "ignored"; note: string | null }> = [];
  const reports: SplitReport[] = [];
  for (const delivery of deliveries) {
    const { rows, report, state } = await withLogContext({ deliveryId: delivery.id }, () => splitOne(delivery, route));
    items.push(...rows);
    marks.push({ id: delivery.id, state, note: report.note });
    reports.push(report);
  }
  // The items and the deliveries' marks touch different rows and read none of each other's:
  // sent together (db/pipelined.ts), one round trip instead of two.
  await pipelined(
    insertItems(tx, items),
    tx.execute(sql`
      update ${webhookDeliveries} as d set
        state = m.state::delivery_state, error = m.note, attempts = d.attempts + 1, processed_at = now()
      from jsonb_to_recordset(${JSON.stringify(marks)}::jsonb) as m(id uuid, state text, note text)
      where d.id = m.id`),
  );
  return { reports, workspaces: [...new Set(items.filter((r) => r.state === "pending").map((r) => r.workspaceId!))] };
}

async function splitOne(
  delivery: Claimed,
  route: (item: SplitItem) => Promise<ItemRoute | null>,
): Promise<{ rows: ItemRow[]; report: SplitReport; state: "processed" | "ignored" }> {
  const split = splitDelivery(delivery.rawBody, delivery.receivedAt);
  if (!split.ok) {
    log.warn("webhook_delivery_ignored", { reason: split.reason });
    return { rows: [], report: { items: 0, pending: 0, unrouted: 0, quarantined: 0, note: split.reason }, state: "ignored" };
  }
  const rows = await Promise.all(
    split.items.map(async (item): Promise<ItemRow> => {
      const routed = await route(item);
      return {
        deliveryId: delivery.id,
        position: item.position,
        path: item.path,
        kind: item.kind,
        lane: item.lane,
        routeBy: item.routeBy,
        phoneNumberId: item.phoneNumberId,
        wabaId: item.wabaId,
        workspaceId: routed?.workspaceId ?? null,
        businessNumberId: routed?.businessNumberId ?? null,
        state: item.problem ? "quarantined" : routed ? "pending" : "unrouted",
        lastError: item.problem,
        occurredAt: item.occurredAt,
        timestampSubstituted: item.timestampSubstituted,
        body: item.body,
      };
    }),
  );
  const readable = rows.length > 0 || split.changes > 0;
  const note = describeSkipped(split.skipped) ?? (readable ? null : "the delivery has no changes");
  const count = (state: string) => rows.filter((r) => r.state === state).length;
  const report = { items: rows.length, pending: count("pending"), unrouted: count("unrouted"), quarantined: count("quarantined"), note };
  if (!readable) log.warn("webhook_delivery_ignored", { reason: note });
  else log.debug("webhook_delivery_split", { ...report, skipped: split.skipped.length });
  // Errors about a number, not one message, have no row of their own: the raw delivery keeps them.
  for (const error of split.numberErrors) log.warn("whatsapp_number_error", error);
  for (const row of rows.filter((r) => r.state === "quarantined")) {
    log.warn("ingest_item_quarantined", { path: row.path, kind: row.kind, workspaceId: row.workspaceId, reason: row.lastError });
  }
  return { rows, report, state: readable ? "processed" : "ignored" };
}

/** The first few skipped changes, so a delivery of thousands of bad changes keeps one short note. */
function describeSkipped(skipped: string[]): string | null {
  if (skipped.length === 0) return null;
  const shown = skipped.slice(0, 3).join("; ");
  return skipped.length > 3 ? `${shown}; and ${skipped.length - 3} more` : shown;
}
