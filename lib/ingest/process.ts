import { and, eq, sql, type SQL } from "drizzle-orm";
import { anyOf } from "@/db/any-of";
import { database, db } from "@/db/client";
import { ingestItems, ingestLanes } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import type { TenantTx } from "@/db/transactions";
import { describeError } from "@/lib/logging/errors";
import { log } from "@/lib/log";
import { applyItems } from "./apply";
import { letAnswersGoFirst } from "./answers-first";
import { BatchSizer } from "./batch-size";
import { decodeItem } from "./items";
import type { Lane } from "./split";

/** Attempts an item gets before it is quarantined for the operator (`npm run ops -- quarantine`). */
export const maxItemAttempts = 8;

/** Backoff before an item's next attempt: 5 s after the first failure, doubling, at most an hour. */
const backoffSeconds = sql`least(5 * power(2, ${ingestItems.attempts}), 3600)`;

/**
 * How long one batch's transaction may take. On the embedded database (one connection) every
 * other statement, the webhook's insert included, waits for it; on Postgres it holds its
 * workspace's rows. The batch size follows from the time items took in earlier batches.
 */
const batchSizes = new BatchSizer(() => (database().kind === "pglite" ? 100 : 250));

/**
 * What a claim returns of each item: what applying it needs, and what orders it. Not the whole
 * row: a status storm's batches are hundreds of items, and every column comes back as text
 * for the driver to parse (the timestamps into dates).
 */
const claimedColumns = {
  id: ingestItems.id,
  kind: ingestItems.kind,
  lane: ingestItems.lane,
  runAt: ingestItems.runAt,
  position: ingestItems.position,
  phoneNumberId: ingestItems.phoneNumberId,
  wabaId: ingestItems.wabaId,
  businessNumberId: ingestItems.businessNumberId,
  occurredAt: ingestItems.occurredAt,
  timestampSubstituted: ingestItems.timestampSubstituted,
  body: ingestItems.body,
};
type ClaimedRow = { [K in keyof typeof claimedColumns]: (typeof ingestItems.$inferSelect)[K] };

/**
 * One batch at a time per workspace, across instances: a batch holds its customers' contact and
 * conversation rows until it commits, and two batches taking them in opposite orders would
 * deadlock (then both be isolated and retried). A transaction-level advisory lock, taken as the
 * batch's transaction enters the workspace (`withTenant`'s `lock`) and held until it ends;
 * other workspaces' batches run in parallel.
 */
function inWorkspaceBatch<T>(workspaceId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
  return withTenant(workspaceId, work, { lock: workspaceBatchLock(workspaceId) });
}

/** The advisory lock a workspace's batch holds (`withTenant`'s `lock`). */
export const workspaceBatchLock = (workspaceId: string) => `ingest:${workspaceId}`;

/**
 * The lanes in the order a workspace's next batch looks at them: messages, statuses, other
 * fields, taking turns after the lane served last. Customers' messages come first in a fresh
 * drain and wait for at most one batch of each other lane; and a storm of statuses, or a busy
 * inbox's replies arriving faster than their batches, never keeps the other lanes waiting.
 */
export function lanesAfter(servedLast: Lane | undefined): Lane[] {
  const next = servedLast === undefined ? 0 : (ingestLanes.indexOf(servedLast) + 1) % ingestLanes.length;
  return [...ingestLanes.slice(next), ...ingestLanes.slice(0, next)];
}

/**
 * The due items of one workspace's lane (the first of `lanesAfter` with any), taken with FOR
 * UPDATE SKIP LOCKED inside the tenant transaction that applies them: another instance skips
 * them, and a crash (the connection gone) releases them with nothing applied. One statement
 * whatever lane has them: asking lane by lane, a status storm's batches each asked two empty
 * lanes first (a round trip each, of about ten per batch).
 */
async function claimDue(tx: TenantTx, workspaceId: string, servedLast: Lane | undefined): Promise<{ rows: ClaimedRow[]; more: boolean }> {
  const order = lanesAfter(servedLast);
  const due = sql`${ingestItems.workspaceId} = ${workspaceId} and ${ingestItems.state} = 'pending' and ${ingestItems.runAt} <= now()`;
  const lanes = sql.join(
    order.map((lane, i) => sql`(${lane}, ${i}::int)`),
    sql`, `,
  );
  const size = new Map(order.map((lane) => [lane, batchSizes.size(lane)]));
  const sizes = sql.join(
    order.map((lane) => sql`when ${lane} then ${size.get(lane)!}::int`),
    sql` `,
  );
  // Counted in the claim's own snapshot, up to one more than any lane's batch: whether due items
  // are left beside those it takes, so that a drain that took them all ends without a claim
  // that finds nothing (four round trips in a transaction of its own, for every trickle of work).
  const cap = Math.max(...size.values()) + 1;
  const rows = await claimAsDone(
    tx,
    sql`
    with next as (
      select l.lane from (values ${lanes}) as l(lane, turn)
      where exists (select 1 from ${ingestItems} where ${due} and ${ingestItems.lane} = l.lane)
      order by l.turn limit 1
    )
    select ${ingestItems.id} from ${ingestItems}
    where ${due} and ${ingestItems.lane} = (select lane from next)
    order by ${ingestItems.runAt}, ${ingestItems.position}
    limit (select case lane ${sizes} end from next)
    for update skip locked`,
    sql<number>`(select count(*)::int from (select 1 from ${ingestItems} where ${due} limit ${cap}) as due)`,
  );
  return { rows, more: (rows[0]?.dueBefore ?? 0) > rows.length };
}

function claimIds(tx: TenantTx, ids: string[]): Promise<ClaimedRow[]> {
  return claimAsDone(
    tx,
    sql`select ${ingestItems.id} from ${ingestItems} where ${anyOf(ingestItems.id, ids)} and ${ingestItems.state} = 'pending' and ${ingestItems.runAt} <= now() for update skip locked`,
  );
}

/**
 * Marks the items `ids` selects done as it claims them, and returns them in the order they are
 * to be applied. Done exactly when applied: the claim is the first statement of the
 * transaction that applies them, and when any applier fails the mark rolls back with it. One
 * write of each item where a lock, then an update in a statement of its own, were two
 * (docs/PERFORMANCE.md, "1 December 2026: statuses").
 */
async function claimAsDone(tx: TenantTx, ids: SQL, dueBefore?: SQL<number>): Promise<Array<ClaimedRow & { dueBefore?: number }>> {
  const rows: Array<ClaimedRow & { dueBefore?: number }> = await tx
    .update(ingestItems)
    .set({ state: "done", doneAt: sql`now()`, lastError: null })
    .where(sql`${ingestItems.id} in (${ids})`)
    .returning(dueBefore ? { ...claimedColumns, dueBefore } : claimedColumns);
  return rows.sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || a.position - b.position);
}

/** Applies claimed items, in the transaction that claimed them. */
function applyRows(tx: TenantTx, workspaceId: string, rows: ClaimedRow[]): Promise<void> {
  return applyItems({ tx, tenantId: workspaceId }, rows.map(decodeItem));
}

/**
 * Applies these items (those still pending and not held elsewhere) in a transaction of their
 * own. Returns why it failed, or nothing when it committed.
 */
async function applyAlone(workspaceId: string, ids: string[]): Promise<{ error: unknown } | undefined> {
  try {
    await inWorkspaceBatch(workspaceId, async (tx) => {
      const rows = await claimIds(tx, ids);
      if (rows.length > 0) await applyRows(tx, workspaceId, rows);
    });
    return undefined;
  } catch (error) {
    return { error };
  }
}

/**
 * A level of parts that all failed, from which on the items are tried one by one: the
 * failure is common to them (a bug every message meets, a grant missing), not one bad item's.
 */
export const commonFailureParts = 4;

/**
 * Whether a turn's time is up: a batch's isolation stops there, and the next batch of the same
 * workspace carries it on. `never`, for callers that want each batch finished in one call.
 */
export type TimeUp = () => boolean;
const never: TimeUp = () => false;

/**
 * A failed batch's isolation where it stopped: the level of parts being tried (each part applied
 * alone), how many of them were tried, which of those failed, and the lane they came from.
 */
type Isolation = { lane: Lane; level: string[][]; next: number; failed: string[][] };

/**
 * Isolations stopped at their turn's end, by workspace, with when they stopped. The workspace's
 * next batch on this instance carries its isolation on: claiming a fresh batch would take the
 * same items again and start over at its halves. Only a shortcut: the items stay pending, so an
 * instance that never saw the isolation (the job went elsewhere, the process died) claims them
 * afresh, and one left behind here is dropped after `staleIsolationMs`.
 */
const stoppedIsolations = new Map<string, { isolation: Isolation; at: number }>();
export const staleIsolationMs = 60_000;

function keepStopped(workspaceId: string, isolation: Isolation | undefined): void {
  const now = performance.now();
  for (const [id, { at }] of stoppedIsolations) if (now - at > staleIsolationMs) stoppedIsolations.delete(id);
  if (isolation) stoppedIsolations.set(workspaceId, { isolation, at: now });
}

/** How many stopped isolations this instance holds (what `staleIsolationMs` bounds). */
export function stoppedIsolationsHeld(): number {
  return stoppedIsolations.size;
}

function takeStopped(workspaceId: string): Isolation | undefined {
  const stopped = stoppedIsolations.get(workspaceId);
  stoppedIsolations.delete(workspaceId);
  return stopped && performance.now() - stopped.at <= staleIsolationMs ? stopped.isolation : undefined;
}

/**
 * Finds the items that fail in a batch that failed: its halves, then the failed halves' halves,
 * each part applied in a transaction of its own, down to single items whose failure is recorded.
 * The good items commit, and one bad item holds back nobody. When every item fails, halving each
 * part again applies every item once per level (nine times in a batch of 500, on each of its
 * attempts: twice the time, docs/PERFORMANCE.md, "A batch whose every item fails"), so once a
 * level of `commonFailureParts` or more parts fails whole, the rest is tried item by item.
 *
 * That is still a transaction per item, seconds for a batch of hundreds; when `timeUp` says the
 * turn is over, it returns where it stopped, so that the worker's slot goes to the workspaces
 * waiting, and the workspace's next batch carries on from there (`stoppedIsolations`).
 */
async function isolateFailures(workspaceId: string, isolation: Isolation, timeUp: TimeUp): Promise<Isolation | undefined> {
  let { level, next } = isolation;
  let failed = [...isolation.failed];
  while (level.length > 0) {
    for (; next < level.length; next++) {
      if (timeUp()) return { lane: isolation.lane, level, next, failed };
      const part = level[next]!;
      const failure = await applyAlone(workspaceId, part);
      if (!failure) continue;
      if (part.length === 1) await recordFailure(part[0]!, failure.error);
      else failed.push(part);
    }
    const common = level.length >= commonFailureParts && failed.length === level.length;
    level = common ? failed.flat().map((id) => [id]) : failed.flatMap(halves);
    next = 0;
    failed = [];
  }
  return undefined;
}

function halves(ids: string[]): string[][] {
  const half = Math.ceil(ids.length / 2);
  return [ids.slice(0, half), ids.slice(half)];
}

/** One more failed attempt: retried after a backoff (isolated again if it fails again), quarantined after the last. */
async function recordFailure(id: string, error: unknown): Promise<void> {
  const reason = describeError(error).slice(0, 1000);
  const [row] = await db()
    .update(ingestItems)
    .set({
      attempts: sql`${ingestItems.attempts} + 1`,
      lastError: reason,
      state: sql`case when ${ingestItems.attempts} + 1 >= ${maxItemAttempts} then 'quarantined' else 'pending' end`,
      runAt: sql`now() + ${backoffSeconds} * interval '1 second'`,
    })
    .where(and(eq(ingestItems.id, id), eq(ingestItems.state, "pending")))
    .returning({ state: ingestItems.state, attempts: ingestItems.attempts, kind: ingestItems.kind, workspaceId: ingestItems.workspaceId, path: ingestItems.path });
  if (!row) return;
  const fields = { itemId: id, workspaceId: row.workspaceId, kind: row.kind, path: row.path, attempt: row.attempts, reason };
  if (row.state === "quarantined") log.error("ingest_item_quarantined", fields);
  else log.warn("ingest_item_failed", fields);
}

/**
 * One batch of a workspace's due items: claimed, applied and marked done in one transaction.
 * When it throws, its failing items are found and their failures recorded (`isolateFailures`),
 * until `timeUp`; an isolation stopped there is what the workspace's next batch carries on.
 * Returns how many items it took up (0: nothing due), from which lane, and whether due items may
 * be left (false once a batch that committed took every item due when it claimed); `servedLast`
 * is the lane of the batch before it in the same drain (`lanesAfter`).
 */
export async function applyNextBatch(workspaceId: string, servedLast?: Lane, timeUp: TimeUp = never): Promise<{ taken: number; lane?: Lane; more: boolean }> {
  const stopped = takeStopped(workspaceId);
  if (stopped) {
    const taken = stopped.level.slice(stopped.next).flat().length + stopped.failed.flat().length;
    keepStopped(workspaceId, await isolateFailures(workspaceId, stopped, timeUp));
    return { taken, lane: stopped.lane, more: true };
  }
  let claimed: string[] = [];
  let lane: Lane | undefined;
  let more = true;
  const started = performance.now();
  try {
    await inWorkspaceBatch(workspaceId, async (tx) => {
      const due = await claimDue(tx, workspaceId, servedLast);
      claimed = due.rows.map((r) => r.id);
      lane = due.rows[0]?.lane;
      more = due.more;
      if (due.rows.length > 0) await applyRows(tx, workspaceId, due.rows);
    });
    if (lane) batchSizes.record(lane, claimed.length, performance.now() - started);
  } catch (error) {
    // Nothing claimed: the database itself failed; the job retries.
    if (claimed.length === 0) throw error;
    more = true;
    if (claimed.length === 1) await recordFailure(claimed[0]!, error);
    else keepStopped(workspaceId, await isolateFailures(workspaceId, { lane: lane!, level: halves(claimed), next: 0, failed: [] }, timeUp));
  }
  return { taken: claimed.length, lane, more };
}

/**
 * Applies a workspace's due items batch after batch until none is due or `budgetMs` has passed,
 * each batch after the webhook's answers in flight (`letAnswersGoFirst`). Returns whether work
 * may remain (the caller hands it to a fresh job, so workspaces take turns). Items that arrive
 * after the last batch claimed are the apply job's to find as it finishes (lib/ingest/jobs.ts).
 */
export async function drainWorkspace(workspaceId: string, budgetMs: number): Promise<{ applied: number; more: boolean }> {
  const deadline = performance.now() + budgetMs;
  const timeUp = () => performance.now() >= deadline;
  let applied = 0;
  let servedLast: Lane | undefined;
  while (!timeUp()) {
    await letAnswersGoFirst();
    const { taken, lane, more } = await applyNextBatch(workspaceId, servedLast, timeUp);
    applied += taken;
    if (!more) return { applied, more: false };
    servedLast = lane;
  }
  return { applied, more: true };
}
