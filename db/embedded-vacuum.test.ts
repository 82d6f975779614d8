import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { database, db } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { processedDeliveries, signInsFailed } from "@/testing/db/queue-statistics";
import { embeddedVacuum, vacuumEmbedded } from "./embedded-vacuum";

const embedded = database().kind === "pglite";

/** Stores `count` deliveries of about a kilobyte, marks them processed, then deletes them, as the webhook, the split and retention do. */
async function deliveriesThatCameAndWent(count: number, tag: string): Promise<void> {
  await db().transaction(async (tx) => {
    await tx.execute(sql`insert into webhook_deliveries (raw_body, body_sha256) select repeat('x', 1000), ${tag} || n from generate_series(1, ${count}) as n`);
    await tx.execute(sql`update webhook_deliveries set state = 'processed', processed_at = now() where body_sha256 like ${tag + "%"}`);
    await tx.execute(sql`delete from webhook_deliveries where body_sha256 like ${tag + "%"}`);
  });
}

async function deliveriesBytes(): Promise<number> {
  const [row] = await rowsOf<{ bytes: number }>(db(), sql`select pg_relation_size('webhook_deliveries')::float8 as bytes`);
  return row!.bytes;
}

async function databaseAge(): Promise<number> {
  const [row] = await rowsOf<{ age: number }>(db(), sql`select age(datfrozenxid)::int as age from pg_database where datname = current_database()`);
  return row!.age;
}

it.runIf(embedded)("keeps the embedded database's files from growing while as many deliveries go as come", async () => {
  await deliveriesThatCameAndWent(1000, "vacuum-round-0-");
  expect((await embeddedVacuum.run()).vacuumed).toContain("webhook_deliveries");
  const afterOne = await deliveriesBytes();
  for (let round = 1; round <= 3; round++) {
    await deliveriesThatCameAndWent(1000, `vacuum-round-${round}-`);
    await embeddedVacuum.run();
  }
  // Unvacuumed, each round added as much again as the first.
  expect(await deliveriesBytes()).toBeLessThanOrEqual(afterOne * 1.25);
});

it.runIf(embedded)("vacuums a table only once its dead or newly inserted rows pass autovacuum's thresholds", async () => {
  await vacuumEmbedded();
  // Under 50 dead rows, and under 1,000 inserted.
  await deliveriesThatCameAndWent(20, "vacuum-few-");
  expect((await vacuumEmbedded()).vacuumed).not.toContain("webhook_deliveries");
  await deliveriesThatCameAndWent(100, "vacuum-dead-");
  expect((await vacuumEmbedded()).vacuumed).toContain("webhook_deliveries");
  // Inserted and kept: past 1,000 rows plus a fifth of the table.
  await db().execute(sql`insert into webhook_deliveries (raw_body, body_sha256) select '{}', 'vacuum-kept-' || n from generate_series(1, 1100) as n`);
  expect(await vacuumEmbedded()).toEqual({ vacuumed: ["webhook_deliveries"], analyzed: [], froze: false });
});

async function columnsWithStatistics(table: string): Promise<number> {
  const [row] = await rowsOf<{ n: number }>(db(), sql`select count(*)::int as n from pg_stats where schemaname = 'public' and tablename = ${table}`);
  return row!.n;
}

it.runIf(embedded)("analyzes a table once its rows changed past autovacuum's analyze threshold, and leaves the queues to their own analysis", async () => {
  await vacuumEmbedded();
  // Under 50 changed rows plus a tenth of the table.
  await signInsFailed(40, "analyze-few-");
  expect((await vacuumEmbedded()).analyzed).not.toContain("login_attempts");
  expect(await columnsWithStatistics("login_attempts")).toBe(0);

  await signInsFailed(100, "analyze-more-");
  await processedDeliveries(1000, "analyze-queue-");
  const { analyzed } = await embeddedVacuum.run();
  expect(analyzed).toContain("login_attempts");
  expect(await columnsWithStatistics("login_attempts")).toBeGreaterThan(0);
  // Sampled every 10 seconds, lightly, by db/queue-analysis.ts.
  expect(analyzed).not.toContain("webhook_deliveries");
  expect(await columnsWithStatistics("webhook_deliveries")).toBe(0);
});

it.runIf(embedded)("freezes the whole database once its oldest transaction id passes the freeze age, and not before", async () => {
  // Rows kept from 50 transactions, which a vacuum without FREEZE leaves unfrozen (younger than `vacuum_freeze_min_age`).
  for (let n = 0; n < 50; n++) await db().execute(sql`insert into webhook_deliveries (raw_body, body_sha256) values ('{}', ${`vacuum-kept-alone-${n}`})`);
  expect(await vacuumEmbedded()).toMatchObject({ froze: false });
  const age = await databaseAge();
  expect(age).toBeGreaterThanOrEqual(50);
  expect(await vacuumEmbedded(database(), { freezeMaxAge: age })).toMatchObject({ froze: false });
  expect(await vacuumEmbedded(database(), { freezeMaxAge: age - 1 })).toEqual({ vacuumed: [], analyzed: [], froze: true });
  expect(await databaseAge()).toBeLessThan(50);
});

it.runIf(!embedded)("leaves vacuuming to Postgres: its autovacuum, or the operator who turned it off", async () => {
  await deliveriesThatCameAndWent(1000, "vacuum-postgres-");
  expect(await vacuumEmbedded(database(), { freezeMaxAge: 0 })).toEqual({ vacuumed: [], analyzed: [], froze: false });
});
