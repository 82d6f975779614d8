import { createHash, randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { anyOf } from "@/db/any-of";
import { database, db } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { jobs, webhookDeliveries } from "@/db/schema";
import { enqueue, jobsChannel } from "@/lib/jobs/queue";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { drainIngest } from "@/testing/ingest";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { workspaceData } from "@/testing/webhook";
import { notTextError, splitJobKey, splitShards, storeDelivery } from "./deliveries";
import { splitQueue } from "./queues";

/**
 * Deliveries received at once are stored together (group commit): whatever group a delivery
 * lands in, it is stored once, under its own id, with its own bytes, and processed.
 */

const number = "150000000000016";
let tenantId: string;

beforeAll(async () => {
  tenantId = (await createTestWorkspace("Stored together")).id;
  await createTestNumber(tenantId, number);
});

const delivery = (text: string) => simulatedTextDelivery({ to: number, from: "15550000071", text, wamid: `wamid.GROUP.${randomUUID()}` });

async function storedBodies(ids: string[]) {
  const rows = await db().select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids));
  return new Map(rows.map((row) => [row.id, row]));
}

it("stores 300 deliveries received at once, each once under its own id with its own bytes, and processes every one", async () => {
  const bodies = Array.from({ length: 300 }, (_, i) => delivery(`a la vez ${i}`));
  const stored = await Promise.all(bodies.map((body) => storeDelivery(db(), body)));

  expect(stored.every((s) => s.isNew && s.text)).toBe(true);
  expect(new Set(stored.map((s) => s.id)).size).toBe(300);
  const rows = await storedBodies(stored.map((s) => s.id));
  expect(stored.map((s) => rows.get(s.id)?.rawBody)).toEqual(bodies.map((b) => b.toString("utf8")));

  const queued = await db()
    .select({ key: jobs.dedupeKey })
    .from(jobs)
    .where(and(eq(jobs.queue, splitQueue), inArray(jobs.state, ["queued", "running"])));
  expect(queued.map((j) => j.key).sort()).toEqual(Array.from({ length: splitShards }, (_, shard) => splitJobKey(shard)));

  // Rows one statement inserted share its transaction id: a few groups, not one statement each.
  const transactions = await rowsOf<{ n: number }>(
    db(),
    sql`select count(distinct xmin::text)::int as n from webhook_deliveries where ${anyOf(webhookDeliveries.id, stored.map((s) => s.id))}`,
  );
  expect(transactions[0]!.n).toBeLessThan(10);

  await drainIngest();
  const texts = new Set((await workspaceData(tenantId)).messages.map((m) => m.text));
  expect(bodies.every((_, i) => texts.has(`a la vez ${i}`))).toBe(true);
  expect([...(await storedBodies(stored.map((s) => s.id))).values()].every((row) => row.state === "processed")).toBe(true);
});

it("answers redeliveries, in the same group or a later one, with the id stored first", async () => {
  const earlier = delivery("antes");
  const first = await storeDelivery(db(), earlier);
  const twin = delivery("dos veces");
  const fresh = delivery("nueva");

  const [again, twinA, twinB, alone] = await Promise.all([earlier, twin, twin, fresh].map((body) => storeDelivery(db(), body)));

  expect(again).toEqual({ id: first.id, isNew: false, text: true });
  expect(twinA!.id).toBe(twinB!.id);
  expect([twinA!.isNew, twinB!.isNew].sort()).toEqual([false, true]);
  expect(alone).toMatchObject({ isNew: true, text: true });
  expect(new Set([first.id, twinA!.id, alone!.id]).size).toBe(3);
  const rows = await storedBodies([first.id, twinA!.id, alone!.id]);
  expect(rows.get(twinA!.id)?.rawBody).toBe(twin.toString("utf8"));
  expect(rows.get(alone!.id)?.rawBody).toBe(fresh.toString("utf8"));
});

it("keeps a body that is not text, and a large one, beside the text bodies stored with them", async () => {
  const notText = Buffer.from([0xff, 0xfe, 0x00, ...Buffer.from(randomUUID())]);
  const large = delivery(`grande ${"x".repeat(100_000)}`);
  const small = [delivery("pequeña 1"), delivery("pequeña 2")];

  const [binary, big, ...texts] = await Promise.all([notText, large, ...small].map((body) => storeDelivery(db(), body)));

  expect(binary).toMatchObject({ isNew: true, text: false });
  expect(big).toMatchObject({ isNew: true, text: true });
  const rows = await storedBodies([binary!.id, big!.id, ...texts.map((t) => t.id)]);
  expect(rows.get(binary!.id)).toMatchObject({ rawBody: notText.toString("base64"), state: "ignored", error: notTextError });
  expect(rows.get(big!.id)).toMatchObject({ rawBody: large.toString("utf8"), state: "received" });
  expect(texts.map((t) => rows.get(t.id)?.rawBody)).toEqual(small.map((b) => b.toString("utf8")));
});

it("wakes the workers when it queues a split job, not for a delivery its shard's live split job will find", async () => {
  await drainIngest();
  const shardOf = (body: Buffer) => Number.parseInt(createHash("sha256").update(body).digest("hex").slice(0, 2), 16) % splitShards;
  const sent = Array.from({ length: 40 }, (_, i) => ({ text: `despierta ${i}`, body: delivery(`despierta ${i}`) }));
  const first = sent[0]!;
  const sameShard = sent.find((d) => d !== first && shardOf(d.body) === shardOf(first.body))!;
  const otherShard = sent.find((d) => shardOf(d.body) !== shardOf(first.body))!;
  const heard: string[] = [];
  const unlisten = await database().listen(jobsChannel, (queue) => heard.push(queue));
  try {
    for (const { body } of [first, sameShard, otherShard]) await storeDelivery(db(), body);
    // Notifications arrive in commit order: once this one is heard, any from the stores above has been.
    await enqueue(db(), "after-the-stores");
    await expect.poll(() => heard.at(-1)).toBe("after-the-stores");
    // The first store queued its shard's job, the second found it queued, the third queued another.
    expect(heard).toEqual([splitQueue, splitQueue, "after-the-stores"]);
  } finally {
    await unlisten();
    await db().delete(jobs).where(eq(jobs.queue, "after-the-stores"));
  }
  await drainIngest();
  const texts = (await workspaceData(tenantId)).messages.map((m) => m.text);
  expect(texts).toEqual(expect.arrayContaining([first.text, sameShard.text, otherShard.text]));
});
