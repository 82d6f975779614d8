import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { withPlatform } from "@/db/platform";
import { businessNumbers, ingestItems, jobs, outboxEvents, phoneNumberRoutes, webhookDeliveries } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { messagesField, whatsappObject } from "@/lib/whatsapp/payload";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { drainIngest, endBackoffs, itemsOf } from "@/testing/ingest";
import { deliver, deliveryRows, receive, seedOutboundMessage, workspaceData } from "@/testing/webhook";
import { maxBatch } from "./batch-size";
import { applyNextBatch, drainWorkspace, lanesAfter, maxItemAttempts } from "./process";
import { discardQuarantined, listQuarantined, replayQuarantined, showItem } from "./quarantine";
import { deleteExpiredDeliveries } from "./retention";
import { splitJobKey, splitShards } from "./deliveries";
import { splitReceivedDeliveries } from "./split-job";

/**
 * The pipeline end to end (answer, split, route, apply, isolate), on deliveries no real
 * sender should send but Meta's webhooks have carried: each bad item fails alone, and its
 * valid siblings, in any workspace, are applied.
 */

let a: string;
let b: string;
const numberA = "110000000000001";
const numberB = "220000000000001";

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  await createTestNumber(a, numberA);
  await createTestNumber(b, numberB);
});

const text = (body: string, extra: Record<string, unknown> = {}) => ({
  from: "5215512345678",
  id: `wamid.P.${randomUUID()}`,
  timestamp: "1795000000",
  type: "text",
  text: { body },
  ...extra,
});

const change = (phoneNumberId: string, value: Record<string, unknown>) => ({
  field: messagesField,
  value: { messaging_product: "whatsapp", metadata: { display_phone_number: phoneNumberId, phone_number_id: phoneNumberId }, ...value },
});

const envelope = (entries: unknown[]) => JSON.stringify({ object: whatsappObject, entry: entries });

async function deliveredRow(body: string) {
  expect((await deliver(body)).status).toBe(200);
  return (await deliveryRows()).find((d) => d.rawBody === body)!;
}

const texts = async (tenantId: string) => (await workspaceData(tenantId)).messages.map((m) => m.text);

describe("one bad item never holds back another", () => {
  it("stores a year-10000 message at its receipt time, flagged, and the other workspace's message beside it", async () => {
    const poison = text("del año diez mil", { timestamp: "253402300800" });
    const row = await deliveredRow(envelope([{ id: "1044", changes: [change(numberA, { messages: [poison] }), change(numberB, { messages: [text("para Bravo")] })] }]));
    expect(await texts(b)).toContain("para Bravo");
    const [stored] = (await workspaceData(a)).messages.filter((m) => m.wamid === poison.id);
    expect(stored!.sentAt).toEqual(row.receivedAt);
    expect(stored!.payload).toMatchObject({ timestamp_substituted: { original: "253402300800" } });
    expect(await itemsOf(row.id)).toMatchObject([
      { state: "done", timestampSubstituted: true, occurredAt: row.receivedAt },
      { state: "done", timestampSubstituted: false },
    ]);
  });

  it("quarantines a message nested 5,000 arrays deep, with the reason, and applies another workspace's message after it", async () => {
    const deepChange = `{"field":"messages","value":{"metadata":{"phone_number_id":"${numberA}"},"messages":[{"from":"5215512345678","id":"wamid.DEEP","timestamp":"1795000000","type":"text","nest":${"[".repeat(5000)}1${"]".repeat(5000)}}]}}`;
    const body = `{"object":"${whatsappObject}","entry":[{"id":"1044","changes":[${deepChange},${JSON.stringify(change(numberB, { messages: [text("a salvo")] }))}]}]}`;
    const row = await deliveredRow(body);
    expect(await texts(b)).toContain("a salvo");
    const items = await itemsOf(row.id);
    expect(items.map((i) => [i.state, i.lastError])).toEqual([
      ["quarantined", "nested deeper than 64 levels"],
      ["done", null],
    ]);
    expect(items[0]).toMatchObject({ path: "entry[0].changes[0].value.messages[0]", workspaceId: a, body: null });
  });

  it("applies two messages and a status beside a message with a millisecond timestamp, which is kept at receipt time", async () => {
    const outbound = `wamid.OUT.${randomUUID()}`;
    await seedOutbound(a, outbound);
    const millis = text("en milisegundos", { timestamp: "1795000000000" });
    const row = await deliveredRow(
      envelope([
        {
          id: "1044",
          changes: [
            change(numberA, {
              messages: [text("uno"), millis, text("dos")],
              statuses: [{ id: outbound, status: "delivered", timestamp: "1795000001", recipient_id: "5215512345678" }],
            }),
          ],
        },
      ]),
    );
    expect(await texts(a)).toEqual(expect.arrayContaining(["uno", "dos", "en milisegundos"]));
    const [sent] = (await workspaceData(a)).messages.filter((m) => m.wamid === outbound);
    expect(sent!.status).toBe("delivered");
    expect((await itemsOf(row.id)).map((i) => [i.kind, i.state, i.timestampSubstituted])).toEqual([
      ["message", "done", false],
      ["message", "done", true],
      ["message", "done", false],
      ["status", "done", false],
    ]);
  });

  it("reads a numeric entry id, and quarantines an entry without changes and a change without field, beside valid entries", async () => {
    const row = await deliveredRow(
      JSON.stringify({
        object: whatsappObject,
        entry: [
          { id: 104400000000001, changes: [change(numberA, { messages: [text("entrada numérica")] })] },
          { id: "1044", time: 1795000000 },
          { id: "1044", changes: [{ value: { metadata: { phone_number_id: numberA } } }, change(numberB, { messages: [text("después del campo perdido")] })] },
        ],
      }),
    );
    expect(await texts(a)).toContain("entrada numérica");
    expect(await texts(b)).toContain("después del campo perdido");
    expect(row).toMatchObject({ state: "processed" });
    expect((await itemsOf(row.id)).map((i) => [i.path, i.state, i.lastError])).toEqual([
      ["entry[0].changes[0].value.messages[0]", "done", null],
      ["entry[1]", "quarantined", "entry has no changes array"],
      ["entry[2].changes[0]", "quarantined", "change has no field"],
      ["entry[2].changes[1].value.messages[0]", "done", null],
    ]);
  });

  it("commits the good items of a batch in which one fails, and retries only the failing one", async () => {
    // A route to a workspace without the number's row: its items fail, as any applier error would.
    const c = (await createTestWorkspace("Charlie")).id;
    await createTestNumber(c, "330000000000003");
    await withPlatform((tx) => tx.insert(phoneNumberRoutes).values({ phoneNumberId: "330000000000099", workspaceId: c }));
    const messages = (to: string, n: number) => change(to, { messages: Array.from({ length: n }, (_, i) => text(`${to} #${i}`)) });
    const row = await deliveredRow(envelope([{ id: "1044", changes: [messages("330000000000003", 5), messages("330000000000099", 1), messages("330000000000003", 4)] }]));
    expect(await texts(c)).toHaveLength(9);
    const failed = (await itemsOf(row.id)).filter((i) => i.state !== "done");
    expect(failed).toMatchObject([{ state: "pending", attempts: 1, phoneNumberId: "330000000000099" }]);
    expect(failed[0]!.lastError).toContain("330000000000099");
    expect(failed[0]!.runAt.getTime()).toBeGreaterThan(Date.now());
  });
});

describe("the answer", () => {
  it("stores a delivery of 1,000 messages in one write, then applies every one", { timeout: 180_000 }, async () => {
    const body = envelope([{ id: "1044", changes: [change(numberB, { messages: Array.from({ length: 1000 }, (_, i) => text(`mil #${i}`)) })] }]);
    expect((await receive(body)).status).toBe(200);
    const row = (await deliveryRows()).find((d) => d.rawBody === body)!;
    // Answered before anything was split: the delivery and a split job of its shard, nothing else.
    expect(row).toMatchObject({ state: "received" });
    expect(await itemsOf(row.id)).toEqual([]);
    const shard = Number.parseInt(row.bodySha256.slice(0, 2), 16) % splitShards;
    expect(await db().select().from(jobs).where(eq(jobs.dedupeKey, splitJobKey(shard)))).toMatchObject([{ queue: "ingest-split", state: "queued" }]);
    await drainIngest();
    expect((await texts(b)).filter((t) => t?.startsWith("mil #"))).toHaveLength(1000);
    expect((await itemsOf(row.id)).every((i) => i.state === "done")).toBe(true);
  });

  it("stores a delivery sent twice at once, and again later, once: one row, one message, one set of events", async () => {
    const message = text("dos copias");
    const body = envelope([{ id: "1044", changes: [change(numberB, { messages: [message] })] }]);
    const answers = await Promise.all([receive(body), receive(body)]);
    expect(answers.map((x) => x.status)).toEqual([200, 200]);
    await drainIngest();
    expect((await deliver(body)).status).toBe(200);
    expect((await deliveryRows()).filter((d) => d.rawBody === body)).toHaveLength(1);
    const stored = (await workspaceData(b)).messages.filter((m) => m.wamid === message.id);
    expect(stored).toHaveLength(1);
    const events = await withTenant(b, (tx) => tx.select().from(outboxEvents).where(eq(outboxEvents.messageId, stored[0]!.id)));
    expect(events.map((e) => e.type)).toEqual(["message.created"]);
  });
});

describe("quarantine", () => {
  it(`quarantines an item after ${maxItemAttempts} failed attempts, with its reason, and replays it once its cause is fixed`, async () => {
    const d = (await createTestWorkspace("Delta")).id;
    const phone = "440000000000044";
    await withPlatform((tx) => tx.insert(phoneNumberRoutes).values({ phoneNumberId: phone, workspaceId: d }));
    const row = await deliveredRow(envelope([{ id: "1044", changes: [change(phone, { messages: [text("¿hay alguien?")] })] }]));
    for (let attempt = 2; attempt <= maxItemAttempts; attempt++) {
      await endBackoffs();
      await drainIngest();
    }
    const [item] = await itemsOf(row.id);
    expect(item).toMatchObject({ state: "quarantined", attempts: maxItemAttempts });
    expect(item!.lastError).toContain(phone);
    expect(await listQuarantined()).toContainEqual(expect.objectContaining({ id: item!.id, deliveryId: row.id, attempts: maxItemAttempts }));
    // Not retried by itself any more.
    await endBackoffs();
    await drainIngest();
    expect((await itemsOf(row.id))[0]).toMatchObject({ state: "quarantined" });
    // The operator sees where it was and why; the customer's words only when asking for them.
    expect(JSON.stringify(await showItem(item!.id))).not.toContain("¿hay alguien?");
    expect(JSON.stringify(await showItem(item!.id, { body: true }))).toContain("¿hay alguien?");

    await withTenant(d, (tx) => tx.insert(businessNumbers).values({ tenantId: d, phoneNumberId: phone, displayNumber: `+${phone}`, wabaId: "1044", label: "Main" }));
    await withPlatform((tx) => tx.update(phoneNumberRoutes).set({ workspaceId: d }).where(eq(phoneNumberRoutes.phoneNumberId, phone)));
    await db().update(ingestItems).set({ businessNumberId: sql`(select id from business_numbers where phone_number_id = ${phone})` }).where(eq(ingestItems.id, item!.id));
    expect(await replayQuarantined([item!.id])).toEqual([item!.id]);
    await drainIngest();
    expect(await texts(d)).toEqual(["¿hay alguien?"]);
    expect(await replayQuarantined([item!.id])).toEqual([]);
  });

  it("discards a quarantined item for good, and then lets retention delete its delivery", async () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100; i++) deep = [deep];
    const row = await deliveredRow(envelope([{ id: "1044", changes: [change(numberA, { messages: [text("hondo", { nest: deep })] })] }]));
    const [item] = await itemsOf(row.id);
    expect(item).toMatchObject({ state: "quarantined" });
    await db().update(webhookDeliveries).set({ processedAt: sql`now() - interval '31 days'` }).where(eq(webhookDeliveries.id, row.id));
    await deleteExpiredDeliveries(30);
    expect(await deliveryRows()).toContainEqual(expect.objectContaining({ id: row.id }));
    expect(await discardQuarantined([item!.id])).toEqual([item!.id]);
    await deleteExpiredDeliveries(30);
    expect((await deliveryRows()).map((r) => r.id)).not.toContain(row.id);
  });
});

describe("lanes", () => {
  /** A workspace with a number, and a delivery of `count` `sent` statuses to it received, not yet split. */
  async function workspaceWithStatuses(name: string, phone: string, count: number): Promise<string> {
    const id = (await createTestWorkspace(name)).id;
    await createTestNumber(id, phone);
    const statuses = Array.from({ length: count }, (_, i) => ({ id: `wamid.${name}.${i}.${randomUUID()}`, status: "sent", timestamp: "1795000001", recipient_id: "5215512345678" }));
    await receive(envelope([{ id: "1044", changes: [change(phone, { statuses })] }]));
    return id;
  }

  it("applies a customer's message ahead of a backlog of 600 statuses that arrived before it", { timeout: 120_000 }, async () => {
    const phone = "550000000000055";
    const e = await workspaceWithStatuses("Echo", phone, 600);
    await receive(envelope([{ id: "1044", changes: [change(phone, { messages: [text("¡ayuda!")] })] }]));
    // Split both deliveries, applying nothing yet.
    await splitReceivedDeliveries(db(), 60_000);
    const pending = () => db().select().from(ingestItems).where(and(eq(ingestItems.workspaceId, e), eq(ingestItems.state, "pending")));
    expect(await pending()).toHaveLength(601);
    await applyNextBatch(e);
    expect(await texts(e)).toEqual(["¡ayuda!"]);
    expect((await pending()).length).toBe(600);
    await drainIngest();
    expect(await pending()).toEqual([]);
  });
  it("takes turns between the lanes, so that a customer's message waits for at most one batch of statuses", () => {
    expect(lanesAfter(undefined)).toEqual(["messages", "statuses", "fields"]);
    expect(lanesAfter("messages")).toEqual(["statuses", "fields", "messages"]);
    expect(lanesAfter("statuses")).toEqual(["fields", "messages", "statuses"]);
    expect(lanesAfter("fields")).toEqual(["messages", "statuses", "fields"]);
  });

  it("applies statuses while customers' messages keep arriving faster than their batches", { timeout: 120_000 }, async () => {
    const phone = "550000000000066";
    // More than two batches of statuses, whatever size earlier batches taught the lane.
    const storm = 2 * maxBatch + 100;
    const f = await workspaceWithStatuses("Foxtrot", phone, storm);
    const pendingStatuses = async () =>
      (await db().select().from(ingestItems).where(and(eq(ingestItems.workspaceId, f), eq(ingestItems.lane, "statuses"), eq(ingestItems.state, "pending")))).length;

    // A busy inbox: before each batch, one more customer message has arrived.
    let servedLast: Awaited<ReturnType<typeof applyNextBatch>>["lane"];
    for (let i = 0; i < 4; i++) {
      await receive(envelope([{ id: "1044", changes: [change(phone, { messages: [text(`otra vez ${i}`)] })] }]));
      await splitReceivedDeliveries(db(), 60_000);
      ({ lane: servedLast } = await applyNextBatch(f, servedLast));
    }
    // Messages of one second have no order between them: compared as a set.
    expect((await texts(f)).sort()).toEqual(["otra vez 0", "otra vez 1", "otra vez 2"]);
    expect(await pendingStatuses()).toBeLessThan(storm);
    await drainIngest();
    expect(await pendingStatuses()).toBe(0);
    expect((await texts(f)).sort()).toEqual(["otra vez 0", "otra vez 1", "otra vez 2", "otra vez 3"]);
  });

  it("alternates messages and statuses batch by batch through a workspace's drain", { timeout: 120_000 }, async () => {
    const phone = "550000000000077";
    const g = await workspaceWithStatuses("Golf", phone, 600);
    await receive(envelope([{ id: "1044", changes: [change(phone, { messages: Array.from({ length: 600 }, (_, i) => text(`turno ${i}`)) })] }]));
    await splitReceivedDeliveries(db(), 60_000);

    expect(await drainWorkspace(g, 120_000)).toEqual({ applied: 1200, more: false });

    // Each batch is one transaction, so its items share one done_at.
    const done = await db()
      .select({ lane: ingestItems.lane, doneAt: ingestItems.doneAt })
      .from(ingestItems)
      .where(eq(ingestItems.workspaceId, g))
      .orderBy(ingestItems.doneAt);
    const batches = done.filter((d, i) => i === 0 || d.doneAt!.getTime() !== done[i - 1]!.doneAt!.getTime()).map((d) => d.lane);
    expect(batches.slice(0, 3)).toEqual(["messages", "statuses", "messages"]);
  });
});

describe("retention", () => {
  it("deletes raw deliveries processed longer ago than the retention, keeping those with unfinished items", async () => {
    const old = await deliveredRow(envelope([{ id: "1044", changes: [change(numberA, { messages: [text("viejo")] })] }]));
    const recent = await deliveredRow(envelope([{ id: "1044", changes: [change(numberA, { messages: [text("reciente")] })] }]));
    const unrouted = await deliveredRow(envelope([{ id: "1044", changes: [change("990000000000077", { messages: [text("sin dueño")] })] }]));
    for (const [row, days] of [[old, 31], [recent, 29], [unrouted, 400]] as const) {
      await db().update(webhookDeliveries).set({ processedAt: sql`now() - ${days} * interval '1 day'` }).where(eq(webhookDeliveries.id, row.id));
    }
    expect(await deleteExpiredDeliveries(30)).toBeGreaterThanOrEqual(1);
    const left = (await deliveryRows()).map((r) => r.id);
    expect(left).not.toContain(old.id);
    expect(left).toEqual(expect.arrayContaining([recent.id, unrouted.id]));
    expect(await itemsOf(old.id)).toEqual([]);
    // The workspace's message stays: retention deletes the raw copy, not the inbox.
    expect(await texts(a)).toContain("viejo");
  });
});

async function seedOutbound(tenantId: string, wamid: string) {
  const [number] = await withTenant(tenantId, (tx) => tx.select().from(businessNumbers).limit(1));
  await seedOutboundMessage({ tenantId, businessNumberId: number!.id, waId: "5215512345678", wamid });
}
