import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { contacts, conversations } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import type { Unsubscribe } from "@/lib/realtime/hub";
import { createTestConversation, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { countStatements, messageItem, textItem } from "@/testing/ingest-items";
import { logLines, logMark } from "@/testing/logs";
import { commitBarrier, recorder, testHub } from "@/testing/realtime";
import { workspaceData } from "@/testing/webhook";
import { applyMessages } from "./messages";
import type { MessageItem } from "./types";

let a: string;
let b: string;
let aNumber: string;
let aSecond: string;

const events = recorder();
let stop: Unsubscribe;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  aNumber = (await createTestNumber(a, "110000000000001")).id;
  aSecond = (await createTestNumber(a, "110000000000002")).id;
  await createTestNumber(b, "220000000000001");
  stop = await testHub().subscribe(a, events.subscriber);
});
afterAll(() => stop());

const apply = (items: MessageItem[], tenantId = a) => withTenant(tenantId, (tx) => applyMessages({ tx, tenantId }, items));

/** Events committed so far for these conversations (a barrier proves nothing is still in flight). */
async function eventsFor(conversationIds: string[]) {
  const barrier = await commitBarrier(a);
  await events.received(barrier);
  return events.events.filter((e) => conversationIds.includes(e.conversationId));
}

async function threadOf(wamid: string) {
  const data = await workspaceData(a);
  const message = data.messages.find((m) => m.wamid === wamid)!;
  const conversation = data.conversations.find((c) => c.id === message.conversationId)!;
  return {
    conversation,
    contact: data.contacts.find((c) => c.id === conversation.contactId)!,
    messages: data.messages.filter((m) => m.conversationId === conversation.id),
  };
}

it("stores a customer's message with its contact and conversation, counted unread, and says so on commit", async () => {
  const at = new Date("2026-11-20T09:00:00Z");
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.FIRST1", waId: "15550000001", name: "Ana", text: "hola", at })]);
  const { conversation, contact, messages } = await threadOf("wamid.FIRST1");
  expect(contact).toMatchObject({ waId: "15550000001", profileName: "Ana", profileNameAt: at, businessName: null });
  expect(conversation).toMatchObject({ businessNumberId: aNumber, status: "open", unreadCount: 1, lastMessageAt: at, lastInboundAt: at });
  expect(messages).toMatchObject([{ direction: "inbound", type: "text", text: "hola", sentAt: at, replyToWamid: null }]);
  expect((await eventsFor([conversation.id])).map(({ type, messageId }) => [type, messageId])).toEqual([
    ["message.created", messages[0]!.id],
    ["conversation.updated", undefined],
  ]);
});

it("stores the same wamid twice in one batch once, counted once", async () => {
  const item = textItem({ businessNumberId: aNumber, wamid: "wamid.TWICE1", waId: "15550000002", text: "once" });
  await apply([item, { ...item, itemId: "another" }]);
  const { conversation, messages } = await threadOf("wamid.TWICE1");
  expect(messages.map((m) => m.text)).toEqual(["once"]);
  expect(conversation.unreadCount).toBe(1);
});

it("changes nothing and tells nobody when the same items are applied again (a batch whose completion was lost)", async () => {
  const items = [
    textItem({ businessNumberId: aNumber, wamid: "wamid.AGAIN1", waId: "15550000003", name: "Bo", text: "one" }),
    textItem({ businessNumberId: aSecond, wamid: "wamid.AGAIN2", waId: "15550000003", name: "Bo", text: "two" }),
    messageItem({ businessNumberId: aNumber, message: { id: "wamid.AGAIN3", from: "15550000003", type: "reaction", reaction: { message_id: "wamid.AGAIN1", emoji: "👍" } } }),
  ];
  await apply(items);
  const before = await workspaceData(a);
  const ids = before.conversations.map((c) => c.id);
  const heard = (await eventsFor(ids)).length;
  await apply(items);
  expect(await workspaceData(a)).toEqual(before);
  expect(await eventsFor(ids)).toHaveLength(heard);
});

it("stores a batch of 1,000 messages from 50 customers in a handful of statements", async () => {
  const base = new Date("2026-11-20T12:00:00Z").getTime();
  const items = Array.from({ length: 1000 }, (_, i) =>
    textItem({
      businessNumberId: aNumber,
      wamid: `wamid.BULK${i}`,
      waId: `1555100${String(i % 50).padStart(4, "0")}`,
      name: `Bulk ${i % 50}`,
      text: `bulk ${i}`,
      at: new Date(base + i * 1000),
    }),
  );
  const statements = await withTenant(a, async (tx) => {
    const counter = countStatements(tx);
    await applyMessages({ tx, tenantId: a }, items);
    return counter.count;
  });
  // Redelivery check, locks, contacts read, contacts created, conversations, then the messages
  // with their counts and events in one statement.
  expect(statements).toBe(6);
  const data = await workspaceData(a);
  const bulk = data.contacts.filter((c) => c.waId?.startsWith("1555100"));
  expect(bulk).toHaveLength(50);
  const threads = data.conversations.filter((c) => bulk.some((p) => p.id === c.contactId));
  expect(threads.map((c) => c.unreadCount)).toEqual(Array(50).fill(20));
  expect(data.messages.filter((m) => m.wamid?.startsWith("wamid.BULK"))).toHaveLength(1000);
  // The newest of each customer's twenty messages decides the time: customer k's last is 950 + k.
  const first = bulk.find((c) => c.waId === "15551000000")!;
  expect(threads.find((c) => c.contactId === first.id)).toMatchObject({ lastMessageAt: new Date(base + 950_000) });
  expect(first).toMatchObject({ profileName: "Bulk 0", profileNameAt: new Date(base + 950_000) });
});

it("stores a known customer's reply in six statements, the contact's new name and the counts included", async () => {
  const first = new Date("2026-11-20T13:00:00Z");
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.REPLY1", waId: "15550000020", name: "Cy", text: "hi", at: first })]);
  const later = new Date(first.getTime() + 60_000);
  const statements = await withTenant(a, async (tx) => {
    const counter = countStatements(tx);
    await applyMessages({ tx, tenantId: a }, [textItem({ businessNumberId: aNumber, wamid: "wamid.REPLY2", waId: "15550000020", name: "Cyd", text: "again", at: later })]);
    return counter.count;
  });
  // Redelivery check, locks, contact read, its new name, the conversation, then the message
  // with its count and events in one statement.
  expect(statements).toBe(6);
  const { conversation, contact, messages } = await threadOf("wamid.REPLY2");
  expect(contact).toMatchObject({ profileName: "Cyd", profileNameAt: later });
  expect(conversation).toMatchObject({ unreadCount: 2, lastMessageAt: later, lastInboundAt: later });
  expect(messages.map((m) => m.text)).toEqual(["hi", "again"]);
  expect((await eventsFor([conversation.id])).slice(-2).map(({ type, messageId }) => [type, messageId])).toEqual([
    ["message.created", messages[1]!.id],
    ["conversation.updated", undefined],
  ]);
});

it("never moves the last message time backwards when an older message arrives late", async () => {
  const newer = new Date("2026-11-21T12:00:00Z");
  const older = new Date("2026-11-21T11:00:00Z");
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.LATE2", waId: "15550000004", text: "later", at: newer })]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.LATE1", waId: "15550000004", text: "earlier", at: older })]);
  const { conversation, messages } = await threadOf("wamid.LATE1");
  expect(conversation).toMatchObject({ lastMessageAt: newer, lastInboundAt: newer, unreadCount: 2 });
  expect(messages.map((m) => m.text)).toEqual(["earlier", "later"]);
});

it("keeps the newer profile name when an older message arrives late, and never touches the business's name", async () => {
  const newer = new Date("2026-11-21T12:00:00Z");
  const older = new Date("2026-11-21T11:00:00Z");
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.NAME2", waId: "15550000014", name: "Carla M.", at: newer })]);
  const { contact } = await threadOf("wamid.NAME2");
  await withTenant(a, (tx) => tx.update(contacts).set({ businessName: "Carla (wholesale)" }).where(eq(contacts.id, contact.id)));
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.NAME1", waId: "15550000014", name: "Carla", at: older })]);
  expect((await threadOf("wamid.NAME1")).contact).toMatchObject({ profileName: "Carla M.", profileNameAt: newer, businessName: "Carla (wholesale)" });
  const newest = new Date("2026-11-21T13:00:00Z");
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.NAME3", waId: "15550000014", name: "Carla Méndez", at: newest })]);
  expect((await threadOf("wamid.NAME3")).contact).toMatchObject({ profileName: "Carla Méndez", profileNameAt: newest, businessName: "Carla (wholesale)" });
});

it("reopens a resolved conversation when the customer writes again", async () => {
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.REOPEN1", waId: "15550000005", text: "thanks!" })]);
  const { conversation } = await threadOf("wamid.REOPEN1");
  await withTenant(a, (tx) => tx.update(conversations).set({ status: "resolved", unreadCount: 0 }).where(eq(conversations.id, conversation.id)));
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.REOPEN2", waId: "15550000005", text: "one more thing" })]);
  expect((await threadOf("wamid.REOPEN2")).conversation).toMatchObject({ id: conversation.id, status: "open", unreadCount: 1 });
});

it("neither counts nor reopens for a reaction or a system line, but stores both and says a message was created", async () => {
  const at = new Date("2026-11-22T10:00:00Z");
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.QUIET0", waId: "15550000006", text: "hi", at })]);
  const { conversation } = await threadOf("wamid.QUIET0");
  await withTenant(a, (tx) => tx.update(conversations).set({ status: "resolved", unreadCount: 0 }).where(eq(conversations.id, conversation.id)));
  const heard = (await eventsFor([conversation.id])).length;
  await apply([
    messageItem({
      businessNumberId: aNumber,
      at: new Date("2026-11-22T11:00:00Z"),
      message: { id: "wamid.QUIET1", from: "15550000006", type: "reaction", reaction: { message_id: "wamid.QUIET0", emoji: "❤️" } },
    }),
    messageItem({
      businessNumberId: aNumber,
      at: new Date("2026-11-22T11:00:01Z"),
      message: { id: "wamid.QUIET2", from: "15550000006", type: "system", system: { type: "customer_identity_changed", body: "Security code changed" } },
    }),
  ]);
  const after = await threadOf("wamid.QUIET1");
  expect(after.conversation).toMatchObject({ status: "resolved", unreadCount: 0, lastMessageAt: at, lastInboundAt: at });
  expect(after.messages.map((m) => [m.type, m.replyToWamid])).toEqual([["text", null], ["reaction", "wamid.QUIET0"], ["system", null]]);
  expect((await eventsFor([conversation.id])).slice(heard).map((e) => e.type)).toEqual(["message.created", "message.created"]);
});

it("skips a message that names no sender, saying which, and stores the others beside it", async () => {
  const log = logMark();
  await apply([
    messageItem({ businessNumberId: aNumber, message: { id: "wamid.NOBODY1", type: "text", text: { body: "from nobody" } } }),
    textItem({ businessNumberId: aNumber, wamid: "wamid.SOMEBODY1", waId: "15550000007", text: "from somebody" }),
  ]);
  const { messages } = await workspaceData(a);
  expect(messages.filter((m) => ["wamid.NOBODY1", "wamid.SOMEBODY1"].includes(m.wamid!)).map((m) => m.text)).toEqual(["from somebody"]);
  expect(logLines(log()).filter((l) => l.event === "webhook_message_without_sender")).toEqual([
    expect.objectContaining({ level: "warn", tenantId: a, wamid: "wamid.NOBODY1", phoneNumberId: expect.any(String) }),
  ]);
});

it("stores one message and one contact for copies of a first message applied at once in separate transactions", async () => {
  const item = textItem({ businessNumberId: aNumber, wamid: "wamid.CONCURRENT1", waId: "15550000008", text: "once" });
  await Promise.all(Array.from({ length: 8 }, () => apply([item])));
  const data = await workspaceData(a);
  expect(data.messages.filter((m) => m.wamid === "wamid.CONCURRENT1")).toHaveLength(1);
  expect(data.contacts.filter((c) => c.waId === "15550000008")).toHaveLength(1);
  expect((await threadOf("wamid.CONCURRENT1")).conversation.unreadCount).toBe(1);
});

it("keeps workspaces apart: the same customer and wamid in another workspace is another row", async () => {
  const bNumber = (await withTenant(b, (tx) => tx.query.businessNumbers.findFirst()))!.id;
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.BOTH1", waId: "15550000009", text: "to a" })]);
  await apply([textItem({ businessNumberId: bNumber, wamid: "wamid.BOTH1", waId: "15550000009", text: "to b" })], b);
  expect((await workspaceData(a)).messages.filter((m) => m.wamid === "wamid.BOTH1").map((m) => m.text)).toEqual(["to a"]);
  expect((await workspaceData(b)).messages.filter((m) => m.wamid === "wamid.BOTH1").map((m) => m.text)).toEqual(["to b"]);
});

describe("the other copy wins between the redelivery check and the insert", () => {
  // The race two concurrent copies run, made to happen on every run and on either database:
  // a trigger on this sender's contact row stores the other copy's message after the check
  // for known wamids and before the insert, so only the insert's ON CONFLICT decides.
  it("stores nothing, counts nothing, tells nobody and does not fail", async () => {
    const other = await createTestConversation(a, { numberId: aNumber, waId: "15550000070" });
    await db().execute(sql.raw(`
      create function test_other_copy_first() returns trigger language plpgsql as $$
      begin
        insert into messages (tenant_id, conversation_id, direction, wamid, type, text, payload, sent_at)
        values (new.tenant_id, '${other.conversation.id}', 'inbound', 'wamid.BETWEEN1', 'text', 'the other copy', '{}'::jsonb, now());
        return new;
      end $$`));
    await db().execute(sql.raw(`
      create trigger test_other_copy_first after insert or update on contacts
        for each row when (new.wa_id = '15550000071') execute function test_other_copy_first()`));
    try {
      await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.BETWEEN1", waId: "15550000071", text: "this copy" })]);
    } finally {
      await db().execute(sql`drop trigger test_other_copy_first on contacts`);
      await db().execute(sql`drop function test_other_copy_first()`);
    }
    const data = await workspaceData(a);
    expect(data.messages.filter((m) => m.wamid === "wamid.BETWEEN1").map((m) => m.text)).toEqual(["the other copy"]);
    const customer = data.contacts.find((c) => c.waId === "15550000071")!;
    const thread = data.conversations.find((c) => c.contactId === customer.id)!;
    expect(thread.unreadCount).toBe(0);
    expect(await eventsFor([thread.id])).toEqual([]);
  });
});
