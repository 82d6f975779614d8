import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { db } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { refuseRows } from "@/testing/db/refuse";
import { drainIngest } from "@/testing/ingest";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { deliveryRows, workspaceData } from "@/testing/webhook";
import { storeDelivery } from "./deliveries";
import { splitReceivedDeliveries } from "./split-job";
import { discardUnsplitDeliveries, listUnsplitDeliveries, showUnsplitDelivery } from "./unsplit";

/** What `npm run ops -- deliveries` shows and does: deliveries whose split keeps failing. */

const number = "160000000000016";
const marker = `UNSPLIT-${randomUUID()}`;
let tenantId: string;
let stopRefusing: () => Promise<void>;

beforeAll(async () => {
  tenantId = (await createTestWorkspace("Unsplit")).id;
  await createTestNumber(tenantId, number);
  // A fault of the database's own for one delivery's items, as in split-job.test.ts.
  stopRefusing = await refuseRows("ingest_items", marker);
});

afterAll(() => stopRefusing());

const delivery = (text: string) => simulatedTextDelivery({ to: number, from: "15550000071", text, wamid: `wamid.UNSPLIT.${randomUUID()}` });

it("lists only deliveries a split failed on, with their size, attempts and reason, and never their body", async () => {
  const good = await storeDelivery(db(), delivery("se divide"));
  const waiting = await storeDelivery(db(), delivery("aún no"));
  // Not tried yet: waiting for its first split, not failed.
  expect((await listUnsplitDeliveries()).map((d) => d.id)).not.toContain(waiting.id);
  await db().delete(webhookDeliveries).where(eq(webhookDeliveries.id, waiting.id));

  const bad = await storeDelivery(db(), delivery(marker));
  await splitReceivedDeliveries(db(), 60_000);
  const listed = await listUnsplitDeliveries();
  expect(listed).toEqual([
    { id: bad.id, receivedAt: expect.any(Date), bytes: delivery(marker).byteLength, attempts: 1, error: expect.stringContaining(`refused: ${marker}`) },
  ]);
  expect(listed.map((d) => d.id)).not.toContain(good.id);
  expect(JSON.stringify(listed)).not.toContain("wamid.UNSPLIT");

  expect(await showUnsplitDelivery(bad.id)).not.toHaveProperty("rawBody");
  expect(await showUnsplitDelivery(bad.id, { body: true })).toMatchObject({ id: bad.id, rawBody: expect.stringContaining(marker) });
  expect(await showUnsplitDelivery(good.id)).toBeNull();
  await discardUnsplitDeliveries([bad.id]);
});

it("gives a delivery up for good: ignored with its reason kept, and no retry takes it again", async () => {
  const bad = await storeDelivery(db(), delivery(marker));
  const beside = await storeDelivery(db(), delivery("al lado"));
  await splitReceivedDeliveries(db(), 60_000);
  expect(await discardUnsplitDeliveries([bad.id, beside.id, randomUUID()])).toEqual([bad.id]);
  const rows = await deliveryRows();
  expect(rows.find((d) => d.id === bad.id)).toMatchObject({
    state: "ignored",
    processedAt: expect.any(Date),
    error: expect.stringMatching(new RegExp(`^discarded by the operator: .*refused: ${marker}`)),
  });
  expect(rows.find((d) => d.id === beside.id)).toMatchObject({ state: "processed" });

  // What the sweep would retry a minute later: nothing.
  await db().update(webhookDeliveries).set({ receivedAt: sql`now() - interval '61 seconds'` }).where(eq(webhookDeliveries.id, bad.id));
  await drainIngest();
  expect((await deliveryRows()).find((d) => d.id === bad.id)).toMatchObject({ state: "ignored", attempts: 1 });
  expect(await listUnsplitDeliveries()).toEqual([]);
  expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toContain("al lado");
  expect(await discardUnsplitDeliveries([])).toEqual([]);
});
