import { createHash, randomUUID } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { beforeAll, beforeEach, expect, it } from "vitest";
import { database, db } from "@/db/client";
import { ingestItems, jobs } from "@/db/schema";
import { claimJobs, jobsChannel } from "@/lib/jobs/queue";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { onPostgres, whileCommitsHeld } from "@/testing/db/interleaved";
import { drainIngest, itemsOf } from "@/testing/ingest";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { deliveryRows, workspaceData } from "@/testing/webhook";
import { splitMaxAttempts, storeDelivery } from "./deliveries";
import { ingestHandlers, sweepIngest } from "./jobs";
import { applyQueue, splitQueue } from "./queues";
import { splitReceivedDeliveries, splitStoredDelivery } from "./split-job";

/**
 * The ingest jobs' hand-offs: work that arrives as a job completes is never left for the sweep
 * (a 10 s wait at best), and the sweep wakes what it finds.
 */

const number = "150000000000015";
let tenantId: string;

beforeAll(async () => {
  tenantId = (await createTestWorkspace("Hand-offs")).id;
  await createTestNumber(tenantId, number);
});

beforeEach(async () => {
  await drainIngest();
  await db().delete(jobs);
});

const text = (words: string) => simulatedTextDelivery({ to: number, from: "15550000051", text: words, wamid: `wamid.HANDOFF.${randomUUID()}` });

const queued = (queue: string) =>
  db()
    .select({ payload: jobs.payload, dedupeKey: jobs.dedupeKey, maxAttempts: jobs.maxAttempts })
    .from(jobs)
    .where(and(eq(jobs.queue, queue), eq(jobs.state, "queued")))
    .orderBy(asc(jobs.dedupeKey));

/** Runs `sqlBody` (PL/pgSQL) in the transaction that removes a finished job of `queue`: what arrives as the job completes. */
async function whenJobCompletes(queue: string, sqlBody: string, work: () => Promise<unknown>) {
  await db().execute(
    sql.raw(`create or replace function arrive_late() returns trigger language plpgsql as $fn$
      begin if old.queue = '${queue}' then ${sqlBody} end if; return old; end $fn$`),
  );
  await db().execute(sql`create trigger arrive_late after delete on jobs for each row execute function arrive_late()`);
  try {
    await work();
  } finally {
    await db().execute(sql`drop trigger if exists arrive_late on jobs`);
    await db().execute(sql`drop function if exists arrive_late()`);
  }
}

async function claimOne(queue: string) {
  const [job] = await claimJobs(db(), { queues: [queue], limit: 1, leaseMs: 60_000, worker: "test" });
  expect(job).toBeDefined();
  return job!;
}

it("hands items that fall due as an apply job completes to a fresh job for their workspace", async () => {
  const first = await storeDelivery(db(), text("a tiempo"));
  const late = await storeDelivery(db(), text("tarde"));
  await splitReceivedDeliveries(db(), 60_000);
  const [lateItem] = await itemsOf(late.id);
  // Waiting out a backoff that ends just as the job completes.
  await db().update(ingestItems).set({ runAt: sql`now() + interval '1 hour'` }).where(eq(ingestItems.id, lateItem!.id));
  const job = await claimOne(applyQueue);

  await whenJobCompletes(applyQueue, `update ingest_items set run_at = now() where id = '${lateItem!.id}';`, () => ingestHandlers[applyQueue]!(job));

  expect((await itemsOf(first.id)).map((i) => i.state)).toEqual(["done"]);
  expect(await queued(applyQueue)).toEqual([{ payload: { workspaceId: tenantId }, dedupeKey: tenantId, maxAttempts: 5 }]);
  await drainIngest();
  expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(expect.arrayContaining(["a tiempo", "tarde"]));
});

it.runIf(onPostgres)("wakes a workspace whose apply job finished while a split of its items was committing", async () => {
  await storeDelivery(db(), text("antes del cierre"));
  await splitReceivedDeliveries(db(), 60_000);
  const job = await claimOne(applyQueue);
  const late = await storeDelivery(db(), text("durante el cierre"));

  const { split } = await whileCommitsHeld("ingest_items", async (waiting) => {
    // The split has written its items and waits to commit; the workspace's job finishes meanwhile.
    const split = splitStoredDelivery(db(), late.id);
    await expect.poll(waiting).toBe(1);
    await ingestHandlers[applyQueue]!(job);
    return { split };
  });
  expect(await split).toMatchObject({ items: 1, pending: 1 });

  expect(await queued(applyQueue)).toEqual([{ payload: { workspaceId: tenantId }, dedupeKey: tenantId, maxAttempts: 5 }]);
  await ingestHandlers[applyQueue]!(await claimOne(applyQueue));
  expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(expect.arrayContaining(["antes del cierre", "durante el cierre"]));
});

it("enqueues nothing after an apply job that left no due item", async () => {
  await storeDelivery(db(), text("solo"));
  await splitReceivedDeliveries(db(), 60_000);
  await ingestHandlers[applyQueue]!(await claimOne(applyQueue));
  expect(await queued(applyQueue)).toEqual([]);
});

it("hands a delivery stored as a split job completes to a fresh job of the same shard", async () => {
  await storeDelivery(db(), text("primera"));
  // This test's jobs: the shard the delivery's hash picked is not the point here.
  await db().delete(jobs);
  await db().insert(jobs).values({ queue: splitQueue, payload: { shard: 2 }, dedupeKey: "split:2", maxAttempts: splitMaxAttempts });
  const job = await claimOne(splitQueue);
  const late = text("guardada al terminar").toString("utf8").replaceAll("'", "''");

  await whenJobCompletes(
    splitQueue,
    `insert into webhook_deliveries (raw_body, body_sha256, state) values ('${late}', '${randomUUID()}', 'received');`,
    () => ingestHandlers[splitQueue]!(job),
  );

  expect(await queued(splitQueue)).toEqual([{ payload: { shard: 2 }, dedupeKey: "split:2", maxAttempts: splitMaxAttempts }]);
  await drainIngest();
  expect((await deliveryRows()).filter((d) => d.state === "received")).toEqual([]);
  expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(expect.arrayContaining(["primera", "guardada al terminar"]));
});

it.runIf(onPostgres)("splits a delivery whose store was committing as the split job it woke finished", async () => {
  const body = text("guardándose al terminar");
  const shard = Number.parseInt(createHash("sha256").update(body).digest("hex").slice(0, 2), 16) % 4;
  await db().insert(jobs).values({ queue: splitQueue, payload: { shard }, dedupeKey: `split:${shard}`, maxAttempts: splitMaxAttempts });
  const job = await claimOne(splitQueue);

  const { stored } = await whileCommitsHeld("webhook_deliveries", async (waiting) => {
    // The delivery's one statement has run, its wake-up found the shard's job running, and its
    // commit waits; the job finishes meanwhile.
    const stored = storeDelivery(db(), body);
    await expect.poll(waiting).toBe(1);
    await ingestHandlers[splitQueue]!(job);
    return { stored };
  });
  const { id } = await stored;

  expect(await queued(splitQueue)).toEqual([{ payload: { shard }, dedupeKey: `split:${shard}`, maxAttempts: splitMaxAttempts }]);
  await ingestHandlers[splitQueue]!(await claimOne(splitQueue));
  expect((await deliveryRows()).find((d) => d.id === id)).toMatchObject({ state: "processed" });
});

it("sweeps a delivery whose split job was lost into one split job per shard, and wakes the workers", async () => {
  const stored = await storeDelivery(db(), text("olvidada"));
  await db().delete(jobs);
  await db().execute(sql`update webhook_deliveries set received_at = now() - interval '61 seconds' where id = ${stored.id}`);
  const heard: string[] = [];
  const unlisten = await database().listen(jobsChannel, (queue) => heard.push(queue));
  try {
    await sweepIngest();
    expect(await queued(splitQueue)).toEqual(
      [0, 1, 2, 3].map((shard) => ({ payload: { shard }, dedupeKey: `split:${shard}`, maxAttempts: splitMaxAttempts })),
    );
    await expect.poll(() => heard).toEqual(expect.arrayContaining([applyQueue, splitQueue]));
  } finally {
    await unlisten();
  }
});
