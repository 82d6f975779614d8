import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { jobs, phoneNumberRoutes, webhookDeliveries } from "@/db/schema";
import { withPlatform } from "@/db/platform";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { refuseRows, whileRefusing } from "@/testing/db/refuse";
import { captureLogs, logAtLevelInEachTest, logLines } from "@/testing/logs";
import { deliver, deliveryRows, workspaceData } from "@/testing/webhook";
import { messagesField, whatsappObject } from "@/lib/whatsapp/payload";
import { drainIngest, itemsOf } from "@/testing/ingest";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { splitMaxAttempts, storeDelivery } from "./deliveries";
import { retryFailedSplits, splitReceivedDeliveries, splitStoredDelivery } from "./split-job";

/**
 * What an operator reads about one split delivery: the note kept on its row (which changes
 * were skipped, or why it was ignored) and the log lines it leaves.
 */

const number = "130000000000013";
let tenantId: string;

beforeAll(async () => {
  tenantId = (await createTestWorkspace("Notes")).id;
  await createTestNumber(tenantId, number);
});

const textMessage = (text: string, wamid = `wamid.NOTE.${randomUUID()}`) => ({
  from: "5215512345678",
  id: wamid,
  timestamp: "1795000000",
  type: "text",
  text: { body: text },
});

const messagesChange = (phoneNumberId: string, value: Record<string, unknown> = {}) => ({
  field: messagesField,
  value: { messaging_product: "whatsapp", metadata: { display_phone_number: phoneNumberId, phone_number_id: phoneNumberId }, ...value },
});

const unhandled = (field: string) => ({ field, value: { event: "unused" } });

/** A signed delivery of these changes in one entry; stored, processed, and its row returned. */
async function delivered(changes: unknown[]) {
  const body = JSON.stringify({ object: whatsappObject, entry: [{ id: randomUUID(), changes }] });
  expect((await deliver(body)).status).toBe(200);
  const [row] = (await deliveryRows()).filter((d) => d.rawBody === body);
  return row!;
}

describe("the note kept on the delivery's row", () => {
  it("names the first three skipped changes and counts the rest, when nothing else was in it", async () => {
    const row = await delivered(["business_capability_update", "partner_solutions", "security", "flows", "history"].map(unhandled));
    expect(row).toMatchObject({ state: "ignored" });
    expect(row.error).toBe(
      'entry[0].changes[0]: field "business_capability_update" is not handled; entry[0].changes[1]: field "partner_solutions" is not handled; ' +
        'entry[0].changes[2]: field "security" is not handled; and 2 more',
    );
  });

  it("names all of exactly three skipped changes, beside a message it stored", async () => {
    const text = "hola, ¿siguen abiertos?";
    const row = await delivered([unhandled("flows"), messagesChange(number, { messages: [textMessage(text)] }), unhandled("history"), unhandled("security")]);
    expect(row).toMatchObject({ state: "processed" });
    expect(row.error).toBe(
      'entry[0].changes[0]: field "flows" is not handled; entry[0].changes[2]: field "history" is not handled; entry[0].changes[3]: field "security" is not handled',
    );
    expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toContain(text);
  });

  it("keeps no note for a delivery that had nothing to skip", async () => {
    const row = await delivered([messagesChange(number, { messages: [textMessage("una sola")] })]);
    expect(row).toMatchObject({ state: "processed", error: null });
  });

  it("says a delivery without any change had none", async () => {
    const row = await delivered([]);
    expect(row).toMatchObject({ state: "ignored", error: "the delivery has no changes" });
  });
});

describe("the log at info", () => {
  logAtLevelInEachTest("info");

  it("has no line for a delivery split without trouble: at platform scale that would be thousands a second", async () => {
    const { output } = await captureLogs(() => delivered([messagesChange(number, { messages: [textMessage("sin novedad")] })]));
    expect(logLines(output)).toEqual([]);
  });
});

describe("the log line a delivery leaves", () => {
  logAtLevelInEachTest("debug");

  it("counts the items it split, pending, unrouted and quarantined, and what it skipped, without a customer's words", async () => {
    const repeated = textMessage("dos veces");
    const { output, result: row } = await captureLogs(() =>
      delivered([
        messagesChange(number, {
          messages: [textMessage("nuevo"), repeated, repeated, { ...textMessage("sin remitente"), from: undefined }],
          statuses: [{ id: `wamid.NOTE.${randomUUID()}`, status: "delivered", timestamp: "1795000001", recipient_id: "5215512345678" }],
          errors: [{ code: 131000, title: "Something went wrong" }],
        }),
        messagesChange("990000000000013", { messages: [textMessage("nobody's number")] }),
        unhandled("flows"),
      ]),
    );
    const split = logLines(output).filter((l) => l.event === "webhook_delivery_split");
    expect(split).toEqual([
      expect.objectContaining({ level: "debug", deliveryId: row.id, items: 6, pending: 4, unrouted: 1, quarantined: 1, skipped: 1 }),
    ]);
    expect(logLines(output).filter((l) => l.event === "whatsapp_number_error")).toEqual([
      expect.objectContaining({ level: "warn", deliveryId: row.id, phoneNumberId: number, code: 131000, title: "Something went wrong" }),
    ]);
    expect(logLines(output).filter((l) => l.event === "ingest_item_quarantined")).toEqual([
      expect.objectContaining({ level: "warn", deliveryId: row.id, reason: "message has neither from nor from_user_id" }),
    ]);
    // Applied once: the repeated message is one row.
    expect((await workspaceData(tenantId)).messages.filter((m) => m.text === "dos veces")).toHaveLength(1);
    expect(output).not.toContain("dos veces");
    expect(output).not.toContain("sin remitente");
  });

  it("warns with the reason when a delivery is ignored", async () => {
    const { output, result: row } = await captureLogs(() => delivered([unhandled("flows")]));
    expect(logLines(output).filter((l) => l.event === "webhook_delivery_ignored")).toEqual([
      expect.objectContaining({ level: "warn", deliveryId: row.id, reason: 'entry[0].changes[0]: field "flows" is not handled' }),
    ]);
    expect(output).not.toContain("webhook_delivery_split");
  });

  it("reports an item that failed as a warning naming it and what went wrong, and keeps the delivery processed", async () => {
    // Routed to a workspace that has no such number: storing its message fails.
    const broken = "140000000000014";
    const workspace = (await createTestWorkspace("Broken")).id;
    await withPlatform((tx) => tx.insert(phoneNumberRoutes).values({ phoneNumberId: broken, workspaceId: workspace }));
    const { output, result: row } = await captureLogs(() => delivered([messagesChange(broken, { messages: [textMessage("se perderá")] })]));
    expect(row).toMatchObject({ state: "processed" });
    const [item] = await itemsOf(row.id);
    expect(item).toMatchObject({ state: "pending", attempts: 1, workspaceId: workspace });
    expect(logLines(output).filter((l) => l.event === "ingest_item_failed")).toEqual([
      expect.objectContaining({ level: "warn", itemId: item!.id, workspaceId: workspace, attempt: 1, reason: item!.lastError }),
    ]);
    expect(item!.lastError).toContain(broken);
    expect(output).not.toContain("se perderá");
  });
});

describe("a delivery whose split job was lost", () => {
  it("is split by the sweep a minute after it arrived, not before, and only once", async () => {
    const body = simulatedTextDelivery({ to: number, from: "15550000023", text: "stored only", wamid: `wamid.LOST.${randomUUID()}` });
    // What a split job parked after its last attempt (the database was away) leaves behind.
    const stored = await storeDelivery(db(), body);
    await db().delete(jobs).where(eq(jobs.queue, "ingest-split"));
    await drainIngest();
    expect((await deliveryRows()).find((d) => d.id === stored.id)).toMatchObject({ state: "received" });
    await db().update(webhookDeliveries).set({ receivedAt: sql`now() - interval '61 seconds'` }).where(eq(webhookDeliveries.id, stored.id));
    await drainIngest();
    expect((await deliveryRows()).find((d) => d.id === stored.id)).toMatchObject({ state: "processed", attempts: 1 });
    expect((await workspaceData(tenantId)).messages.filter((m) => m.text === "stored only")).toHaveLength(1);
  });
});

describe("deliveries split together", () => {
  it("splits every delivery of a batch in which one cannot be stored, and retries only that one", async () => {
    const marker = `POISON-${randomUUID()}`;
    // A fault of the database's own, for the items of one delivery only: what a constraint or a
    // value Postgres refuses would do to a delivery nobody has seen yet.
    const stopRefusing = await refuseRows("ingest_items", marker);
    try {
      const bodies = [0, 1, "poison", 2, 3, 4].map((i) =>
        simulatedTextDelivery({ to: number, from: "15550000031", text: i === "poison" ? marker : `lote ${i}`, wamid: `wamid.BATCH.${randomUUID()}` }),
      );
      const stored = [];
      for (const body of bodies) stored.push(await storeDelivery(db(), body));
      await splitReceivedDeliveries(db(), 60_000);
      const rows = await deliveryRows();
      const [poisoned] = stored.splice(2, 1);
      expect(rows.find((d) => d.id === poisoned!.id)).toMatchObject({ state: "received", attempts: 1, error: expect.stringContaining(`refused: ${marker}`) });
      for (const { id } of stored) expect(rows.find((d) => d.id === id)).toMatchObject({ state: "processed", attempts: 1, error: null });
      await drainIngest();
      expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(expect.arrayContaining(["lote 0", "lote 1", "lote 2", "lote 3", "lote 4"]));

      // Once the fault is gone, the sweep splits it, and nothing else again.
      await stopRefusing();
      await db().update(webhookDeliveries).set({ receivedAt: sql`now() - interval '61 seconds'` }).where(eq(webhookDeliveries.id, poisoned!.id));
      await drainIngest();
      expect((await deliveryRows()).find((d) => d.id === poisoned!.id)).toMatchObject({ state: "processed", attempts: 2, error: null });
      expect((await workspaceData(tenantId)).messages.filter((m) => m.text === marker || m.text?.startsWith("lote "))).toHaveLength(6);
    } finally {
      await stopRefusing();
    }
  });

  it("splits a delivery too large to share a batch on its own, and the small ones around it", async () => {
    const statuses = Array.from({ length: 2000 }, (_, i) => ({ id: `wamid.BIG.${i}.${randomUUID()}`, status: "sent", timestamp: "1795000001", recipient_id: "5215512345678" }));
    const big = Buffer.from(JSON.stringify({ object: whatsappObject, entry: [{ id: "1044", changes: [messagesChange(number, { statuses })] }] }));
    expect(big.byteLength).toBeGreaterThan(256 * 1024);
    const before = simulatedTextDelivery({ to: number, from: "15550000041", text: "antes", wamid: `wamid.AROUND.${randomUUID()}` });
    const after = simulatedTextDelivery({ to: number, from: "15550000041", text: "después", wamid: `wamid.AROUND.${randomUUID()}` });
    const stored = [];
    for (const body of [before, big, after]) stored.push(await storeDelivery(db(), body));
    expect(await splitReceivedDeliveries(db(), 60_000)).toEqual({ split: 3, more: false });
    const rows = await deliveryRows();
    for (const { id } of stored) expect(rows.find((d) => d.id === id)).toMatchObject({ state: "processed" });
    expect(await itemsOf(stored[1]!.id)).toHaveLength(2000);
  });
});

describe("splitting within its time", () => {
  it("stops after the batch in which its time ran out, says so, and leaves the rest waiting", async () => {
    const stored = [];
    for (let i = 0; i < 150; i++) stored.push(await storeDelivery(db(), simulatedTextDelivery({ to: number, from: "15550000061", text: `turno ${i}`, wamid: `wamid.TURN.${randomUUID()}` })));
    expect(await splitReceivedDeliveries(db(), 1)).toEqual({ split: 100, more: true });
    const states = new Map((await deliveryRows()).map((d) => [d.id, d.state]));
    expect(stored.map(({ id }) => states.get(id))).toEqual([...Array(100).fill("processed"), ...Array(50).fill("received")]);
    expect(await splitReceivedDeliveries(db(), 60_000)).toEqual({ split: 50, more: false });
  });

  it("ends with the batch that took every waiting delivery, not with a claim that finds nothing", async () => {
    for (let i = 0; i < 3; i++) await storeDelivery(db(), simulatedTextDelivery({ to: number, from: "15550000063", text: `de una vez ${i}`, wamid: `wamid.ONCE.${randomUUID()}` }));
    let transactions = 0;
    const counting = new Proxy(db(), {
      get: (target, property, receiver) =>
        property === "transaction"
          ? (...args: Parameters<typeof target.transaction>) => {
              transactions++;
              return target.transaction(...args);
            }
          : Reflect.get(target, property, receiver),
    });
    expect(await splitReceivedDeliveries(counting, 60_000)).toEqual({ split: 3, more: false });
    expect(transactions).toBe(1);
  });

  it("fails, for its job to retry, when the database cannot be read, rather than report nothing to do", async () => {
    await storeDelivery(db(), simulatedTextDelivery({ to: number, from: "15550000062", text: "espera", wamid: `wamid.DOWN.${randomUUID()}` }));
    await db().execute(sql`alter table webhook_deliveries rename to webhook_deliveries_away`);
    try {
      await expect(splitReceivedDeliveries(db(), 60_000)).rejects.toThrow(/webhook_deliveries/);
    } finally {
      await db().execute(sql`alter table webhook_deliveries_away rename to webhook_deliveries`);
    }
    expect(await splitReceivedDeliveries(db(), 60_000)).toEqual({ split: 1, more: false });
  });

  it("answers no report for a delivery that was already split, and splits nothing twice", async () => {
    const stored = await storeDelivery(db(), simulatedTextDelivery({ to: number, from: "15550000063", text: "una vez", wamid: `wamid.ONCE.${randomUUID()}` }));
    expect(await splitStoredDelivery(db(), stored.id)).toMatchObject({ items: 1, pending: 1 });
    expect(await splitStoredDelivery(db(), stored.id)).toBeNull();
    expect(await itemsOf(stored.id)).toHaveLength(1);
  });

  it("wakes one apply job per workspace however many batches bring it work", async () => {
    await db().delete(jobs).where(eq(jobs.queue, "ingest-apply"));
    for (const words of ["uno", "dos"]) {
      await storeDelivery(db(), simulatedTextDelivery({ to: number, from: "15550000064", text: words, wamid: `wamid.WAKE.${randomUUID()}` }));
      await splitReceivedDeliveries(db(), 60_000);
    }
    const applyJobs = await db().select({ payload: jobs.payload, dedupeKey: jobs.dedupeKey }).from(jobs).where(eq(jobs.queue, "ingest-apply"));
    expect(applyJobs).toEqual([{ payload: { workspaceId: tenantId }, dedupeKey: tenantId }]);
    await drainIngest();
  });
});

describe("a delivery that cannot be split", () => {
  logAtLevelInEachTest("info");

  it("warns naming it, its attempt and a reason cut to 1,000 characters, and from the last attempt on logs an error", async () => {
    const marker = `LONG-${randomUUID()}`;
    await whileRefusing("ingest_items", marker, async () => {
      const stored = await storeDelivery(db(), simulatedTextDelivery({ to: number, from: "15550000065", text: marker, wamid: `wamid.LONG.${randomUUID()}` }));
      const first = await captureLogs(() => splitReceivedDeliveries(db(), 60_000));
      const row = (await deliveryRows()).find((d) => d.id === stored.id)!;
      expect(row).toMatchObject({ state: "received", attempts: 1 });
      expect(row.error).toHaveLength(1000);
      expect(logLines(first.output).filter((l) => l.event === "webhook_delivery_split_failed")).toEqual([
        expect.objectContaining({ level: "warn", deliveryId: stored.id, attempt: 1, reason: row.error }),
      ]);

      await db()
        .update(webhookDeliveries)
        .set({ attempts: splitMaxAttempts - 1, receivedAt: sql`now() - interval '61 seconds'` })
        .where(eq(webhookDeliveries.id, stored.id));
      const last = await captureLogs(() => retryFailedSplits(db()));
      expect(logLines(last.output).filter((l) => l.event === "webhook_delivery_split_failed")).toEqual([
        expect.objectContaining({ level: "error", deliveryId: stored.id, attempt: splitMaxAttempts }),
      ]);
      await db().delete(webhookDeliveries).where(eq(webhookDeliveries.id, stored.id));
    }, "x".repeat(3000));
  });

  it("marks a body that is not JSON ignored, with a warning naming it and why", async () => {
    const { result: stored, output } = await captureLogs(async () => {
      const kept = await storeDelivery(db(), Buffer.from(`not json ${randomUUID()}`));
      await splitReceivedDeliveries(db(), 60_000);
      return kept;
    });
    const row = (await deliveryRows()).find((d) => d.id === stored.id)!;
    expect(row).toMatchObject({ state: "ignored" });
    expect(logLines(output).filter((l) => l.event === "webhook_delivery_ignored")).toEqual([
      expect.objectContaining({ level: "warn", deliveryId: stored.id, reason: row.error }),
    ]);
    expect(row.error).toMatch(/JSON/);
  });
});

describe("the items' ids", () => {
  it("grow with time, so that a backlog's rows land at the right edge of the primary key, not on random pages", async () => {
    const split = async (text: string) => {
      const row = await delivered([messagesChange(number, { messages: [textMessage(text)] })]);
      return (await itemsOf(row.id)).map((item) => item.id);
    };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(...(await split(`ordered ${i} ${randomUUID()}`)));
      // Ordered to the millisecond; items split within the same one may come in any order.
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(ids).toHaveLength(5);
    expect([...ids].sort()).toEqual(ids);
    // Version 7 (RFC 9562), whose first 48 bits are the time the item was stored.
    for (const id of ids) expect(id[14]).toBe("7");
    const storedAt = Number.parseInt(ids[0]!.replaceAll("-", "").slice(0, 12), 16);
    expect(Math.abs(storedAt - Date.now())).toBeLessThan(60_000);
  });
});
