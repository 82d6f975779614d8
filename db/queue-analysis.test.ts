import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { database, db, type Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { splitReceivedDeliveries } from "@/lib/ingest/split-job";
import { analyzedByNoOneElse, analyzeQueues, autovacuumSetting, queueAnalysis } from "./queue-analysis";

const emptyBody = '{"object":"whatsapp_business_account","entry":[]}';

/**
 * Runs `change` in a transaction. On Postgres its counts reach the statistics views as it ends,
 * as a busy connection's do within a second (an idle one's can wait 10 s); the embedded
 * database's one session is left to report them when `analyzeQueues` asks it to.
 */
function counted(change: (tx: Database) => Promise<unknown>): Promise<void> {
  return db().transaction(async (tx) => {
    await change(tx as unknown as Database);
    if (database().kind === "postgres") await tx.execute(sql`select pg_stat_force_next_flush()`);
  });
}

/** Stores `count` deliveries as the webhook does, then marks them processed as their split does. */
function processedDeliveries(count: number, tag: string): Promise<void> {
  return counted(async (tx) => {
    await tx.execute(sql`insert into webhook_deliveries (raw_body, body_sha256) select ${emptyBody}, ${tag} || n from generate_series(1, ${count}) as n`);
    await tx.execute(sql`update webhook_deliveries set state = 'processed', processed_at = now() where body_sha256 like ${tag + "%"}`);
  });
}

/** Entries of the waiting deliveries' index that one split turn reads, finding nothing to split. */
function entriesReadByAnIdleSplit(): Promise<number> {
  return db().transaction(async (tx) => {
    const read = async () =>
      (await rowsOf<{ n: number }>(tx, sql`select pg_stat_get_xact_tuples_returned('webhook_deliveries_pending_idx'::regclass)::int as n`))[0]!.n;
    const before = await read();
    expect(await splitReceivedDeliveries(tx as unknown as Database, 60_000)).toEqual({ split: 0, more: false });
    return (await read()) - before;
  });
}

it("keeps the split's look for waiting deliveries from walking every delivery processed before it, turn after turn", async () => {
  await processedDeliveries(1000, "analysis-processed-");
  // Never analyzed, each turn reads every processed delivery's old entry again.
  for (let turn = 0; turn < 2; turn++) expect(await entriesReadByAnIdleSplit()).toBeGreaterThanOrEqual(1000);

  expect(await analyzeQueues()).toEqual(["webhook_deliveries"]);
  // A sample of a tenth of the default: each column's statistics hold at most 10 values.
  const [stats] = await rowsOf<{ bounds: number }>(
    db(),
    sql`select array_length(histogram_bounds, 1) as bounds from pg_stats where tablename = 'webhook_deliveries' and attname = 'body_sha256'`,
  );
  expect(stats?.bounds).toBeGreaterThan(1);
  expect(stats?.bounds).toBeLessThanOrEqual(11);
  // The first look marks the dead entries it passes; later ones skip them.
  await entriesReadByAnIdleSplit();
  expect(await entriesReadByAnIdleSplit()).toBeLessThan(10);
});

it("analyzes a queue only once its rows changed past autovacuum's threshold since the last analyze", async () => {
  await processedDeliveries(1000, "analysis-first-");
  expect(await analyzeQueues()).toEqual(["webhook_deliveries"]);
  // 40 changes to a table of at least 1,000 rows: under 50 + 10 %.
  await processedDeliveries(20, "analysis-few-");
  expect(await analyzeQueues()).toEqual([]);
  // 640 changes to one of at most 2,020.
  await processedDeliveries(300, "analysis-more-");
  // As the worker runs it, every 10 seconds.
  expect(await queueAnalysis.run()).toEqual(["webhook_deliveries"]);
});

it("leaves the queues to autovacuum on a Postgres where it runs, and analyzes them where nothing else does", async () => {
  expect(analyzedByNoOneElse("postgres", "on")).toBe(false);
  expect(analyzedByNoOneElse("postgres", "off")).toBe(true);
  expect(analyzedByNoOneElse("pglite", "on")).toBe(true);
  const handle = database();
  if (handle.kind === "pglite") return;
  const [shown] = await rowsOf<{ autovacuum: string }>(db(), sql`show autovacuum`);
  expect(await autovacuumSetting(handle)).toBe(shown!.autovacuum);
  await processedDeliveries(1000, "analysis-setting-");
  expect(await analyzeQueues()).toEqual(shown!.autovacuum === "on" ? [] : ["webhook_deliveries"]);
});
