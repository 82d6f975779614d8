/**
 * `npm run bench:isolation`: what a failing item costs the processor (lib/ingest/process.ts).
 *
 * One workspace's backlog of new customers' messages, stored and split as the webhook stores
 * them, is applied by the workspace's apply job's turns (`drainWorkspace`, with the job's time
 * budget) until each item has been applied or has failed once (`drain`), in each case:
 *   healthy       nothing fails (the baseline every ratio is against);
 *   one bad       one message in each delivery is refused by the database;
 *   every bad     every message is refused (a failure of the data common to all, e.g. a bug);
 *   database      the tenant role may not insert messages (a failure no item caused);
 * and for the last two, their second attempt (what each of an item's eight attempts costs).
 * Refusals are Postgres's own (testing/db/refuse.ts, or a revoked grant), so nothing of ours
 * is altered to fail. Printed per case: time, ms per item, the longest turn (how long the job
 * held its worker's slot at once), items whose attempt failed, and the growth of this process's
 * RSS. See docs/PERFORMANCE.md ("A batch whose every item fails").
 *
 *   npm run bench:isolation [-- --items 5000] [--per-delivery 250] [--pglite]
 *
 * Postgres: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); the bench
 * creates and drops its own database switchboard_bench_isolation_*. --pglite uses the
 * embedded database in memory instead.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { and, eq, gt, gte, lt, sql, type SQL } from "drizzle-orm";

const { values: args } = parseArgs({
  options: {
    items: { type: "string", default: "5000" },
    "per-delivery": { type: "string", default: "250" },
    pglite: { type: "boolean", default: false },
  },
});
const items = Number(args.items);
const perDelivery = Number(args["per-delivery"]);
if (!(Number.isInteger(items) && items > 0 && Number.isInteger(perDelivery) && perDelivery > 0 && perDelivery <= 1000)) {
  console.error("--items and --per-delivery (at most 1,000, Meta's batch) must be positive integers.");
  process.exit(1);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-bench-isolation-"));
// Every failed attempt logs a warning; a bench of thousands of them measures the terminal.
Object.assign(process.env, { DATA_DIR: dataDir, LOG_LEVEL: "error" });

const { closeDatabase, db, installDatabase, openDatabase } = await import("@/db/client");
const { migrateDatabase } = await import("@/db/migrate");
const { ingestItems } = await import("@/db/schema");
const { createPostgresDatabase, databaseUrl, dropPostgresDatabase, openMigratedPglite, uniqueName } = await import("@/testing/db/databases");
const { createTestNumber, createTestWorkspace } = await import("@/testing/db/factories");
const { refuseRows } = await import("@/testing/db/refuse");
const { messagesField, whatsappObject } = await import("@/lib/whatsapp/payload");
const { storeDelivery } = await import("@/lib/ingest/deliveries");
const { splitReceivedDeliveries } = await import("@/lib/ingest/split-job");
const { drainWorkspace } = await import("@/lib/ingest/process");
const { applyJobBudgetMs } = await import("@/lib/ingest/jobs");
const { describeMachine } = await import("./machine");
const { ms, table } = await import("./stats");

const serverUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const databaseName = uniqueName("switchboard_bench_isolation");
if (args.pglite) installDatabase(await openMigratedPglite());
else {
  await createPostgresDatabase(serverUrl, databaseName);
  const handle = openDatabase({ kind: "postgres", url: databaseUrl(serverUrl, databaseName), poolMax: 10 });
  await migrateDatabase(handle);
  installDatabase(handle);
}

let numbers = 0;

/** A fresh workspace whose backlog is `items` messages of new customers, split into pending items; `marked(i)` puts the case's marker in message i. */
async function backlog(label: string, marker: string, marked: (i: number) => boolean) {
  const workspace = await createTestWorkspace(`Isolation ${label}`);
  const number = `18000000${String(++numbers).padStart(7, "0")}`;
  await createTestNumber(workspace.id, number);
  for (let start = 0; start < items; start += perDelivery) {
    const messages = Array.from({ length: Math.min(perDelivery, items - start) }, (_, k) => {
      const i = start + k;
      return { from: `1555${String(i).padStart(8, "0")}`, id: `wamid.ISO.${randomUUID()}`, timestamp: "1795000000", type: "text", text: { body: marked(i) ? `${marker} ${i}` : `hello ${i}` } };
    });
    const value = { messaging_product: "whatsapp", metadata: { display_phone_number: number, phone_number_id: number }, messages };
    await storeDelivery(db(), Buffer.from(JSON.stringify({ object: whatsappObject, entry: [{ id: "1044", changes: [{ field: messagesField, value }] }] })));
  }
  while ((await splitReceivedDeliveries(db(), 60_000)).more);
  return workspace.id;
}

type Run = { label: string; ms: number; longestTurnMs: number; failed: number; rssGrowthMiB: number };

/**
 * Applies the workspace's due items until each has been applied or has failed `attempt` times;
 * what it took. A failed item's backoff (5 s after its first failure) can end before the others
 * have had their attempt, so the items that have had it are not taken up again.
 */
async function drain(label: string, workspaceId: string, attempt = 1): Promise<Run> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  let longestTurnMs = 0;
  while ((await pendingItems(workspaceId, lt(ingestItems.attempts, attempt))) > 0) {
    await db().update(ingestItems).set({ runAt: sql`now() + interval '1 hour'` }).where(and(eq(ingestItems.workspaceId, workspaceId), eq(ingestItems.state, "pending"), gte(ingestItems.attempts, attempt)));
    const turnStarted = performance.now();
    const { more } = await drainWorkspace(workspaceId, applyJobBudgetMs);
    longestTurnMs = Math.max(longestTurnMs, performance.now() - turnStarted);
    if (!more) break;
  }
  const took = performance.now() - started;
  clearInterval(sampler);
  const failed = await pendingItems(workspaceId, gt(ingestItems.attempts, 0));
  return { label, ms: took, longestTurnMs, failed, rssGrowthMiB: (Math.max(rssPeak, process.memoryUsage().rss) - rssBefore) / 2 ** 20 };
}

/** How many of the workspace's items are pending with `attempts` so. */
async function pendingItems(workspaceId: string, attempts: SQL): Promise<number> {
  const [row] = await db()
    .select({ n: sql<number>`count(*)::int` })
    .from(ingestItems)
    .where(and(eq(ingestItems.workspaceId, workspaceId), eq(ingestItems.state, "pending"), attempts));
  return row!.n;
}

/** The failed items due again at once, as when their backoff has passed. */
async function dueAgain(workspaceId: string) {
  await db().update(ingestItems).set({ runAt: sql`now()` }).where(and(eq(ingestItems.workspaceId, workspaceId), eq(ingestItems.state, "pending")));
}

const runs: Run[] = [];
console.log(`bench:isolation: ${await describeMachine(serverUrl)}`);
console.log(`${items} messages of new customers in deliveries of ${perDelivery}, on ${args.pglite ? "PGlite (in memory)" : "Postgres"}\n`);
try {
  const marker = `REFUSED-${randomUUID()}`;

  runs.push(await drain("healthy", await backlog("healthy", marker, () => false)));

  const oneBad = await backlog("one bad", marker, (i) => i % perDelivery === Math.floor(perDelivery / 3));
  const stopOne = await refuseRows("messages", marker);
  try {
    runs.push(await drain("one bad per delivery", oneBad));
  } finally {
    await stopOne();
  }

  const everyBad = await backlog("every bad", marker, () => true);
  const stopEvery = await refuseRows("messages", marker);
  try {
    runs.push(await drain("every item bad", everyBad));
    await dueAgain(everyBad);
    runs.push(await drain("every item bad, 2nd attempt", everyBad, 2));
  } finally {
    await stopEvery();
  }

  const refused = await backlog("database", marker, () => false);
  await db().execute(sql`revoke insert on messages from switchboard_tenant`);
  try {
    runs.push(await drain("database refusing (no grant)", refused));
    await dueAgain(refused);
    runs.push(await drain("database refusing, 2nd attempt", refused, 2));
  } finally {
    await db().execute(sql`grant insert on messages to switchboard_tenant`);
  }

  const healthy = runs[0]!;
  const rows = [["", "time", "per item", "× healthy", "longest turn", "items failed", "RSS growth"]];
  for (const run of runs) {
    rows.push([
      run.label,
      ms(run.ms),
      `${(run.ms / items).toFixed(2)} ms`,
      `${(run.ms / healthy.ms).toFixed(1)}×`,
      ms(run.longestTurnMs),
      String(run.failed),
      `${run.rssGrowthMiB.toFixed(0)} MiB`,
    ]);
  }
  console.log(table(rows));
} finally {
  await closeDatabase();
  if (!args.pglite) await dropPostgresDatabase(serverUrl, databaseName);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
