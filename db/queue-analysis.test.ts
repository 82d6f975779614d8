import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { database, db } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { processedDeliveries, signInsFailed } from "@/testing/db/queue-statistics";
import { analyzedByNoOneElse, analyzeQueues, autovacuumSetting, queueAnalysis } from "./queue-analysis";

it("analyzes with a sample of a tenth of the default: each column's statistics hold at most 10 values", async () => {
  await processedDeliveries(1000, "analysis-sample-");
  expect(await analyzeQueues()).toEqual(["webhook_deliveries"]);
  const [stats] = await rowsOf<{ bounds: number }>(
    db(),
    sql`select array_length(histogram_bounds, 1) as bounds from pg_stats where tablename = 'webhook_deliveries' and attname = 'body_sha256'`,
  );
  expect(stats?.bounds).toBeGreaterThan(1);
  expect(stats?.bounds).toBeLessThanOrEqual(11);
});

it("analyzes a queue only once its rows changed past autovacuum's threshold since the last analyze", async () => {
  await processedDeliveries(1000, "analysis-first-");
  // As many rows changed in a table that is not a queue, which it leaves alone.
  await signInsFailed(2000, "analysis-other-");
  expect(await analyzeQueues()).toEqual(["webhook_deliveries"]);
  // 40 changes to a table its last analyze counted at 2,000 rows: under 50 + 10 %.
  await processedDeliveries(20, "analysis-few-");
  expect(await analyzeQueues()).toEqual([]);
  // 640 changes since that analyze: past it.
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
