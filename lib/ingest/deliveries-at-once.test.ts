import { eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { database } from "@/db/client";
import { conversations } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { eventsChannel } from "@/lib/realtime/events";
import { deliver, deliveryRows, workspaceData } from "@/testing/webhook";
import { fixtureBytes } from "@/testing/fixtures";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";

let a: string;
let b: string;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  await createTestNumber(a, "110000000000001");
  await createTestNumber(a, "110000000000002");
  await createTestNumber(b, "220000000000001");
});

/** The same JSON, encoded differently each time: a distinct delivery carrying the same events. */
function reencoded(body: Buffer, variant: number): Buffer {
  return Buffer.from(JSON.stringify(JSON.parse(body.toString("utf8")), null, variant % 5) + " ".repeat(variant), "utf8");
}

it("stores one delivery and one message for 20 identical copies arriving at once", async () => {
  const body = simulatedTextDelivery({ to: "110000000000001", from: "15550000001", text: "once", wamid: "wamid.CONCURRENT1" });
  const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(body)));
  expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));

  const { messages, conversations, contacts } = await workspaceData(a);
  expect(messages.filter((m) => m.wamid === "wamid.CONCURRENT1")).toHaveLength(1);
  expect(contacts.filter((c) => c.waId === "15550000001")).toHaveLength(1);
  const conversation = conversations.find((c) => c.id === messages.find((m) => m.wamid === "wamid.CONCURRENT1")!.conversationId)!;
  expect(conversation.unreadCount).toBe(1);
  expect((await deliveryRows()).filter((d) => d.rawBody === body.toString("utf8"))).toMatchObject([{ state: "processed" }]);
});

it("stores one message for 20 differently encoded copies of it processed at once", async () => {
  const body = simulatedTextDelivery({ to: "110000000000001", from: "15550000002", text: "still once", wamid: "wamid.CONCURRENT2" });
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver(reencoded(body, i))));
  expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));

  const { messages, conversations, contacts } = await workspaceData(a);
  const stored = messages.filter((m) => m.wamid === "wamid.CONCURRENT2");
  expect(stored).toHaveLength(1);
  expect(contacts.filter((c) => c.waId === "15550000002")).toHaveLength(1);
  expect(conversations.filter((c) => c.id === stored[0]!.conversationId).map((c) => c.unreadCount)).toEqual([1]);
  expect((await deliveryRows()).filter((d) => d.rawBody.includes("wamid.CONCURRENT2")).map((d) => d.state)).toEqual(
    Array(20).fill("processed"),
  );
});

it("makes one contact and one conversation when a brand-new customer's first two messages arrive at once", async () => {
  const sentAt = new Date("2026-11-20T09:00:00Z");
  const first = simulatedTextDelivery({ to: "110000000000001", from: "15550000003", text: "hello?", wamid: "wamid.NEWCONTACT1", sentAt });
  const second = simulatedTextDelivery({
    to: "110000000000001",
    from: "15550000003",
    text: "anyone there?",
    wamid: "wamid.NEWCONTACT2",
    sentAt: new Date(sentAt.getTime() + 1000),
  });
  const answers = await Promise.all([deliver(first), deliver(second)]);
  expect(answers.map((r) => r.status)).toEqual([200, 200]);

  const { messages, conversations, contacts } = await workspaceData(a);
  const customer = contacts.filter((c) => c.waId === "15550000003");
  expect(customer).toHaveLength(1);
  const threads = conversations.filter((c) => c.contactId === customer[0]!.id);
  expect(threads).toHaveLength(1);
  expect(messages.filter((m) => m.conversationId === threads[0]!.id).map((m) => m.text)).toEqual(["hello?", "anyone there?"]);
  expect(threads[0]).toMatchObject({ unreadCount: 2, lastMessageAt: new Date(sentAt.getTime() + 1000) });
});

it("routes concurrent copies of a batch across workspaces without losing or doubling anything", async () => {
  const body = fixtureBytes("whatsapp", "batch-two-tenants");
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => deliver(i === 0 ? body : reencoded(body, i))));
  expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
  const inA = (await workspaceData(a)).messages.filter((m) => m.wamid?.includes("BAT"));
  const inB = (await workspaceData(b)).messages.filter((m) => m.wamid?.includes("BAT"));
  expect(inA.map((m) => m.text)).toEqual(["first", "second", "to the second number"]);
  expect(inB.map((m) => m.text)).toEqual(["same customer, other business"]);
});

it("never moves the last message time backwards when an older message arrives late", async () => {
  const newer = new Date("2026-11-21T12:00:00Z");
  const older = new Date("2026-11-21T11:00:00Z");
  await deliver(simulatedTextDelivery({ to: "110000000000001", from: "15550000004", text: "later", wamid: "wamid.LATE2", sentAt: newer }));
  await deliver(simulatedTextDelivery({ to: "110000000000001", from: "15550000004", text: "earlier", wamid: "wamid.LATE1", sentAt: older }));
  const { messages, conversations } = await workspaceData(a);
  const thread = conversations.find((c) => c.id === messages.find((m) => m.wamid === "wamid.LATE1")!.conversationId)!;
  expect(thread).toMatchObject({ lastMessageAt: newer, lastInboundAt: newer, unreadCount: 2 });
  // The thread is ordered by WhatsApp's time, not by arrival.
  expect(messages.filter((m) => m.conversationId === thread.id).map((m) => m.text)).toEqual(["earlier", "later"]);
});

it("reopens a resolved conversation when the customer writes again", async () => {
  await deliver(simulatedTextDelivery({ to: "110000000000001", from: "15550000005", text: "thanks!", wamid: "wamid.REOPEN1" }));
  const { messages } = await workspaceData(a);
  const conversationId = messages.find((m) => m.wamid === "wamid.REOPEN1")!.conversationId;
  await withTenant(a, (tx) =>
    tx.update(conversations).set({ status: "resolved", unreadCount: 0 }).where(eq(conversations.id, conversationId)),
  );

  await deliver(simulatedTextDelivery({ to: "110000000000001", from: "15550000005", text: "one more thing", wamid: "wamid.REOPEN2" }));
  const thread = (await workspaceData(a)).conversations.find((c) => c.id === conversationId);
  expect(thread).toMatchObject({ status: "open", unreadCount: 1 });
});

it("tells the workspace, on commit, about the new message and its conversation", async () => {
  const heard: string[] = [];
  const stop = await database().listen(eventsChannel, (payload) => heard.push(payload));
  try {
    await deliver(simulatedTextDelivery({ to: "220000000000001", from: "15550000006", text: "ping", wamid: "wamid.NOTIFY1" }));
    const message = (await workspaceData(b)).messages.find((m) => m.wamid === "wamid.NOTIFY1")!;
    await expect.poll(() => heard.length).toBeGreaterThanOrEqual(2);
    expect(heard.map((p) => JSON.parse(p))).toEqual([
      { tenantId: b, type: "message.created", conversationId: message.conversationId, messageId: message.id },
      { tenantId: b, type: "conversation.updated", conversationId: message.conversationId },
    ]);
  } finally {
    await stop();
  }
});
