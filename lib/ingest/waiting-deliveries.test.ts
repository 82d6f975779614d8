import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { db, type Database } from "@/db/client";
import { analyzeQueues } from "@/db/queue-analysis";
import { rowsOf } from "@/db/rows";
import { processedDeliveries } from "@/testing/db/queue-statistics";
import { splitReceivedDeliveries } from "./split-job";

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
  // The first look marks the dead entries it passes; later ones skip them.
  await entriesReadByAnIdleSplit();
  expect(await entriesReadByAnIdleSplit()).toBeLessThan(10);
});
