import { and, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { businessNumbers, ingestItems, wabaOwners } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { deliver, rowCounts, workspaceData } from "@/testing/webhook";
import { fixtureBytes } from "@/testing/fixtures";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { drainIngest } from "@/testing/ingest";
import { sweepIngest } from "./jobs";
import { listUnroutedNumbers, routeUnroutedItems, routeUnroutedWabaItems } from "./unrouted";
import { db } from "@/db/client";

/** Routes a number's unrouted items to its proven owner and applies them; how many it routed. */
async function processUnroutedDeliveries(phoneNumberId: string): Promise<number> {
  const routed = await routeUnroutedItems(phoneNumberId);
  await drainIngest();
  return routed;
}

let a: string;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  await createTestNumber(a, "110000000000001");
  await createTestNumber(a, "110000000000002");
});

it("keeps a delivery to a number nobody owns as unrouted and puts it in no workspace", async () => {
  const before = await rowCounts();
  expect((await deliver(fixtureBytes("whatsapp", "unknown-number"))).status).toBe(200);
  expect(await rowCounts()).toEqual({
    ...before,
    webhookDeliveries: before.webhookDeliveries + 1,
    ingestItems: before.ingestItems + 1,
    unroutedItems: before.unroutedItems + 1,
  });
  expect(await listUnroutedNumbers()).toMatchObject([{ phoneNumberId: "990000000000009", items: 1 }]);
  expect(await processUnroutedDeliveries("990000000000009")).toBe(0);
});

it("replays the unrouted delivery into the workspace that later adds the number, once", async () => {
  const c = (await createTestWorkspace("Charlie")).id;
  await createTestNumber(c, "990000000000009");

  expect(await processUnroutedDeliveries("990000000000009")).toBe(1);
  const { messages, contacts } = await workspaceData(c);
  expect(messages.map((m) => m.text)).toEqual(["nobody owns this number yet"]);
  expect(contacts.map((c) => [c.waId, c.profileName])).toEqual([["5215512345678", "Ana Ruiz"]]);
  expect(await listUnroutedNumbers()).toEqual([]);

  expect(await processUnroutedDeliveries("990000000000009")).toBe(0);
  expect((await workspaceData(c)).messages).toHaveLength(1);
  // Meta redelivering it now finds it stored, and the number owned.
  expect((await deliver(fixtureBytes("whatsapp", "unknown-number"))).status).toBe(200);
  expect((await workspaceData(c)).messages).toHaveLength(1);
});

it("replays only the unowned number's part of a batch, and leaves the rest where it went", async () => {
  // 220000000000001 is nobody's in this file: batch-two-tenants delivers to A's two numbers and to it.
  await deliver(fixtureBytes("whatsapp", "batch-two-tenants"));
  expect((await workspaceData(a)).messages.map((m) => m.text)).toEqual(["first", "second", "to the second number"]);
  expect(await listUnroutedNumbers()).toMatchObject([{ phoneNumberId: "220000000000001", items: 1 }]);

  const b = (await createTestWorkspace("Bravo")).id;
  await createTestNumber(b, "220000000000001");
  expect(await processUnroutedDeliveries("220000000000001")).toBe(1);
  expect((await workspaceData(b)).messages.map((m) => m.text)).toEqual(["same customer, other business"]);
  expect((await workspaceData(a)).messages).toHaveLength(3);
});

it("replays concurrent calls for the same number once", async () => {
  for (const [i, text] of ["uno", "dos", "tres"].entries()) {
    await deliver(simulatedTextDelivery({ to: "330000000000003", from: "15550000010", text, wamid: `wamid.UNROUTED${i}` }));
  }
  const d = (await createTestWorkspace("Delta")).id;
  await createTestNumber(d, "330000000000003");
  const claimed = await Promise.all([1, 2, 3].map(() => processUnroutedDeliveries("330000000000003")));
  expect(claimed.reduce((sum, n) => sum + n, 0)).toBe(3);
  expect((await workspaceData(d)).messages.map((m) => m.text).sort()).toEqual(["dos", "tres", "uno"]);
});

it("lets the sweep replay a number that gained an owner without anyone replaying it", async () => {
  await deliver(simulatedTextDelivery({ to: "440000000000004", from: "15550000011", text: "hello?", wamid: "wamid.UNROUTED-RETRY" }));
  const e = (await createTestWorkspace("Echo")).id;
  await createTestNumber(e, "440000000000004");

  await sweepIngest();
  await drainIngest();
  expect((await workspaceData(e)).messages.map((m) => m.text)).toEqual(["hello?"]);
  expect(await listUnroutedNumbers()).toEqual([]);
});

it("counts items per unrouted number, with first and last seen", async () => {
  for (const i of [1, 2]) {
    await deliver(simulatedTextDelivery({ to: "550000000000005", from: "15550000012", text: `m${i}`, wamid: `wamid.COUNT${i}` }));
  }
  const [row] = (await listUnroutedNumbers()).filter((n) => n.phoneNumberId === "550000000000005");
  expect(row!.items).toBe(2);
  expect(row!.lastSeen.getTime()).toBeGreaterThan(row!.firstSeen.getTime());
});

it("replays nothing into a workspace that routes the number without having proved it, even through the retry", async () => {
  await deliver(simulatedTextDelivery({ to: "880000000000008", from: "15550000013", text: "for the owner only", wamid: "wamid.UNPROVEN" }));
  const f = (await createTestWorkspace("Foxtrot")).id;
  const number = await createTestNumber(f, "880000000000008");
  await withTenant(f, (tx) => tx.update(businessNumbers).set({ verifiedAt: null }).where(eq(businessNumbers.id, number.id)));

  expect(await processUnroutedDeliveries("880000000000008")).toBe(0);
  await sweepIngest();
  await drainIngest();
  expect((await workspaceData(f)).messages).toHaveLength(0);

  await withTenant(f, (tx) => tx.update(businessNumbers).set({ verifiedAt: new Date() }).where(eq(businessNumbers.id, number.id)));
  expect(await processUnroutedDeliveries("880000000000008")).toBe(1);
  expect((await workspaceData(f)).messages.map((m) => m.text)).toEqual(["for the owner only"]);
});

it("replays a sandbox number's history without a token: the prefix is its proof", async () => {
  await deliver(simulatedTextDelivery({ to: "999000000000088", from: "15550000014", text: "sandbox hello", wamid: "wamid.SANDBOX-1" }));
  const g = (await createTestWorkspace("Golf")).id;
  const number = await createTestNumber(g, "999000000000088");
  await withTenant(g, (tx) => tx.update(businessNumbers).set({ verifiedAt: null }).where(eq(businessNumbers.id, number.id)));
  expect(await processUnroutedDeliveries("999000000000088")).toBe(1);
  expect((await workspaceData(g)).messages.map((m) => m.text)).toEqual(["sandbox hello"]);
});

it("keeps an account-level field of a WABA nobody owns unrouted, and routes it to the workspace that comes to own the WABA", async () => {
  const wabaId = "104400000000001";
  await deliver(fixtureBytes("whatsapp", "field-template-status-update"));
  const ofWaba = () => db().select().from(ingestItems).where(and(eq(ingestItems.wabaId, wabaId), eq(ingestItems.kind, "field")));
  expect(await ofWaba()).toMatchObject([{ kind: "field", routeBy: "waba", state: "unrouted", workspaceId: null }]);
  expect(await routeUnroutedWabaItems(wabaId)).toBe(0);
  const h = (await createTestWorkspace("Hotel")).id;
  await db().insert(wabaOwners).values({ wabaId, workspaceId: h });
  expect(await routeUnroutedWabaItems(wabaId)).toBe(1);
  expect(await routeUnroutedWabaItems(wabaId)).toBe(0);
  const [item] = await ofWaba();
  expect(item!.workspaceId).toBe(h);
  expect(item!.state).not.toBe("unrouted");
});
