import { getTableName, sql } from "drizzle-orm";
import { database, type DatabaseHandle } from "./client";
import { tablesPastAutovacuum } from "./autovacuum-thresholds";
import { rowsOf } from "./rows";
import { ingestItems, jobs, webhookDeliveries } from "./schema";

/**
 * The tables of waiting work: each is looked up through a partial index of its waiting rows
 * many times a second, and leaves a dead row (and that index's entry for it) behind for each
 * row it finishes.
 */
export const queueTables: string[] = [webhookDeliveries, ingestItems, jobs].map((table) => getTableName(table));

/**
 * Analyzes the queue tables whose rows changed past autovacuum's analyze threshold (this
 * server's settings) since their last analyze, where no autovacuum runs to do it: in the
 * embedded database (PGlite starts no background workers) and on a Postgres whose
 * `autovacuum` is off. Returns the tables it analyzed; elsewhere none.
 *
 * Never analyzed, a queue's look for waiting work became a bitmap scan of its partial index.
 * A bitmap scan cannot mark the entries of dead rows as dead, as a plain index scan does, so
 * every look walked the entry of every row finished so far: 1.7–2 ms a look after 13,000
 * deliveries, and a fifth of Postgres's time for single-message deliveries
 * (docs/PERFORMANCE.md, "queues never analyzed"). Analyzed, the planner expects the few
 * waiting rows they hold and scans the index itself; the first look past a dead row's entry
 * marks it, and the next ones skip it. Vacuuming a Postgres as autovacuum would was tried and
 * not kept: unthrottled, it slowed a status backlog's drain by a third. The embedded database
 * is vacuumed, and its other tables analyzed, by db/embedded-vacuum.ts.
 */
export async function analyzeQueues(handle: DatabaseHandle = database()): Promise<string[]> {
  if (!analyzedByNoOneElse(handle.kind, handle.kind === "postgres" ? await autovacuumSetting(handle) : null)) return [];
  const due = await tablesPastAutovacuum(handle, ["analyze"], queueTables);
  for (const name of due) {
    await handle.db.transaction(async (tx) => {
      // A sample of 3,000 rows instead of 30,000: enough to show how few rows wait, and for
      // 150,000 items 45 ms instead of 600 (their JSON bodies most of it), every 10 seconds of a
      // backlog.
      await tx.execute(sql`set local default_statistics_target = 10`);
      await tx.execute(sql`analyze public.${sql.identifier(name)}`);
    });
  }
  return due;
}

/**
 * Whether no autovacuum analyzes this database's tables: the embedded database never runs one,
 * a Postgres only while its `autovacuum` setting is on.
 */
export function analyzedByNoOneElse(kind: DatabaseHandle["kind"], autovacuum: string | null): boolean {
  return kind === "pglite" || autovacuum !== "on";
}

/** This Postgres's `autovacuum` setting, `on` or `off`. */
export async function autovacuumSetting(handle: DatabaseHandle): Promise<string | null> {
  const [row] = await rowsOf<{ setting: string }>(handle.db, sql`select current_setting('autovacuum') as setting`);
  return row?.setting ?? null;
}

/** Every 10 seconds: under load the queues finish hundreds of rows a second. */
export const queueAnalysis = { name: "queue-analysis", everySeconds: 10, run: () => analyzeQueues() };
