import type { z } from "zod";
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { contacts, conversations } from "@/db/schema";
import { mergeContacts } from "@/lib/contacts/merge";
import { withTenant } from "@/db/tenant";
import {
  createTestConversation,
  createTestConversations,
  createTestMember,
  createTestMessage,
  createTestNumber,
  createTestWorkspace,
} from "@/testing/db/factories";
import { getConversation, listConversations, listConversationsInput } from "./conversations";

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

let a: string;
let b: string;
let me: { id: string; name: string };
let bob: { id: string; name: string };
let sales: { id: string };
let support: { id: string };
let bNumber: { id: string };
let bConversation: string;
const c: Record<"maria" | "mira" | "resolved" | "bobs", string> = { maria: "", mira: "", resolved: "", bobs: "" };

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  me = await createTestMember(a, "agent", "Ana Agent");
  bob = await createTestMember(a, "agent", "Bob Builder");
  sales = await createTestNumber(a, "110000000000001", "Sales");
  support = await createTestNumber(a, "110000000000002", "Support");
  bNumber = await createTestNumber(b, "220000000000001", "Bravo main");

  const maria = await createTestConversation(a, { numberId: sales.id, waId: "5215512345678", name: "María José" });
  c.maria = maria.conversation.id;
  await createTestMessage(a, c.maria, { direction: "inbound", text: "¿Dónde está mi pedido?", sentAt: minutesAgo(50) });
  const reply = await createTestMessage(a, c.maria, {
    direction: "outbound",
    text: "Ya va en camino",
    status: "delivered",
    sentAt: minutesAgo(40),
  });
  await createTestMessage(a, c.maria, {
    direction: "inbound",
    type: "reaction",
    text: "👍",
    replyToWamid: reply.wamid!,
    sentAt: minutesAgo(5),
  });

  const mira = await createTestConversation(a, {
    numberId: support.id,
    waId: null,
    userId: "US.13491208655302741918",
    name: "Mira K",
    assigneeUserId: me.id,
  });
  c.mira = mira.conversation.id;
  await createTestMessage(a, c.mira, { direction: "inbound", type: "image", text: "Factura", sentAt: minutesAgo(30) });

  const resolved = await createTestConversation(a, { numberId: sales.id, status: "resolved", assigneeUserId: bob.id });
  c.resolved = resolved.conversation.id;
  await createTestMessage(a, c.resolved, { direction: "inbound", text: "gracias!", sentAt: minutesAgo(20) });

  const bobs = await createTestConversation(a, { numberId: support.id, assigneeUserId: bob.id });
  c.bobs = bobs.conversation.id;
  await createTestMessage(a, c.bobs, { direction: "outbound", type: "document", text: "invoice.pdf", sentAt: minutesAgo(10) });
  // A thread event is newer than every message, but a preview shows messages only.
  await withTenant(a, (tx) =>
    tx.execute(sql`insert into messages (tenant_id, conversation_id, direction, type, payload, sent_at)
                   values (${a}, ${c.bobs}, 'event', 'assigned', ${JSON.stringify({ actorUserId: me.id, assigneeUserId: bob.id })}::jsonb, now())`),
  );

  const bConv = await createTestConversation(b, { numberId: bNumber.id, name: "Bravo's customer" });
  bConversation = bConv.conversation.id;
  await createTestMessage(b, bConversation, { direction: "inbound", text: "B's secret" });
});

// `userId` is who asks (the actor), for the "mine" filter; the rest is the validated query.
type ListRequest = Partial<z.input<typeof listConversationsInput>> & { userId?: string };
const actorIn = (tenantId: string, userId = me.id) => ({ tenantId, userId, role: "agent" as const });
const list = ({ userId, ...input }: ListRequest = {}, tenantId = a) =>
  withTenant(tenantId, async (tx) => listConversations({ tx, actor: actorIn(tenantId, userId) }, listConversationsInput.parse(input)));
const ids = async (input: ListRequest = {}) => (await list(input)).conversations.map((x) => x.id);

describe("conversation list", () => {
  it("shows contact, number, assignee, unread count and a preview that skips reactions and events, newest first", async () => {
    const page = await list();
    expect(page.conversations.map((x) => x.id)).toEqual([c.bobs, c.mira, c.maria]);
    expect(page.nextCursor).toBeNull();

    const maria = page.conversations.find((x) => x.id === c.maria)!;
    expect(maria).toMatchObject({
      status: "open",
      unreadCount: 1,
      contact: { name: "María José", waId: "5215512345678", userId: null },
      number: { id: sales.id, label: "Sales" },
      assignee: null,
      preview: { direction: "outbound", type: "text", summary: "Ya va en camino", status: "delivered" },
    });

    const bobs = page.conversations.find((x) => x.id === c.bobs)!;
    expect(bobs.assignee).toEqual({ id: bob.id, name: "Bob Builder" });
    expect(bobs.preview).toMatchObject({ type: "document", summary: "Document: invoice.pdf" });
  });

  it("identifies a username-only contact by their user id and summarises media", async () => {
    const mira = (await list()).conversations.find((x) => x.id === c.mira)!;
    expect(mira.contact).toMatchObject({ name: "Mira K", waId: null, userId: "US.13491208655302741918" });
    expect(mira.preview?.summary).toBe("Photo: Factura");
    expect(mira.assignee).toEqual({ id: me.id, name: "Ana Agent" });
  });

  it("filters by status, by assignee and by business number", async () => {
    expect(await ids({ status: "resolved" })).toEqual([c.resolved]);
    expect(await ids({ assignee: "mine" })).toEqual([c.mira]);
    expect(await ids({ assignee: "unassigned" })).toEqual([c.maria]);
    expect(await ids({ assignee: "mine", userId: bob.id })).toEqual([c.bobs]);
    expect(await ids({ assignee: "mine", userId: bob.id, status: "resolved" })).toEqual([c.resolved]);
    expect(await ids({ businessNumberId: support.id })).toEqual([c.bobs, c.mira]);
    expect(await ids({ businessNumberId: support.id, assignee: "mine" })).toEqual([c.mira]);
    expect(await ids({ businessNumberId: sales.id, status: "resolved", assignee: "unassigned" })).toEqual([]);
  });

  it("never shows another workspace's conversations, even when given its ids", async () => {
    expect(await ids({ businessNumberId: bNumber.id })).toEqual([]);
    expect(await ids()).not.toContain(bConversation);
    expect(await withTenant(a, (tx) => getConversation({ tx, actor: actorIn(a) }, { conversationId: bConversation }))).toBeNull();
    // Asking for B's data under A's transaction finds nothing either: row-level security.
    expect(await withTenant(a, (tx) => getConversation({ tx, actor: actorIn(b) }, { conversationId: bConversation }))).toBeNull();
    const bList = await list({ userId: randomUUID() }, b);
    expect(bList.conversations.map((x) => x.id)).toEqual([bConversation]);
  });

  it("rejects a cursor it did not make, saying what to do", async () => {
    await expect(list({ cursor: "bm90IGEgY3Vyc29y" })).rejects.toThrow(/reload the page/);
    await expect(list({ cursor: Buffer.from('["2026-01-01 00:00:00\'; drop table messages; --","x"]').toString("base64url") })).rejects.toThrow(
      /reload the page/,
    );
  });

  it("gives one conversation as the list shows it, for the thread header", async () => {
    const one = await withTenant(a, (tx) => getConversation({ tx, actor: actorIn(a) }, { conversationId: c.maria }));
    const fromList = (await list()).conversations.find((x) => x.id === c.maria);
    expect(one).toEqual(fromList);
  });
});

describe("keyset paging", () => {
  it("walks a few hundred conversations, many sharing a timestamp, without gaps or repeats", async () => {
    const p = (await createTestWorkspace("Paging")).id;
    const number = await createTestNumber(p, "330000000000001");
    const base = Date.now();
    // Groups of seven share a timestamp, so the id decides among them.
    const made = await createTestConversations(p, number.id, 300, (i) => new Date(base - Math.floor(i / 7) * 60_000));
    const expected = [...made]
      .sort((x, y) => y.lastMessageAt.getTime() - x.lastMessageAt.getTime() || (x.id < y.id ? 1 : -1))
      .map((x) => x.id);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list({ cursor, limit: 23, userId: randomUUID() }, p);
      seen.push(...page.conversations.map((x) => x.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);

    expect(pages).toBe(Math.ceil(300 / 23));
    expect(seen).toEqual(expected);
  });

  it("keeps microseconds in its cursor, so rows a microsecond apart are neither skipped nor repeated", async () => {
    const p = (await createTestWorkspace("Micro")).id;
    const number = await createTestNumber(p, "330000000000002");
    const made = await createTestConversations(p, number.id, 40, () => new Date("2026-01-01T00:00:00.000Z"));
    const offsets = new Map(made.map((row, i) => [row.id, (i * 37) % 40]));
    await withTenant(p, async (tx) => {
      for (const [id, micros] of offsets) {
        await tx
          .update(conversations)
          .set({ lastMessageAt: sql`timestamptz '2026-01-01T00:00:00Z' + ${micros} * interval '1 microsecond'` })
          .where(and(eq(conversations.tenantId, p), eq(conversations.id, id)));
      }
    });
    const expected = [...offsets].sort((x, y) => y[1] - x[1]).map(([id]) => id);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ cursor, limit: 3, userId: randomUUID() }, p);
      seen.push(...page.conversations.map((x) => x.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
  });
});

describe("contacts the business named, and conversations merged into another", () => {
  it("shows the name the business gave a contact instead of their WhatsApp profile name, in the list and the header", async () => {
    const named = await createTestConversation(a, { numberId: support.id, name: "Pat WhatsApp" });
    await createTestMessage(a, named.conversation.id, { direction: "inbound", sentAt: minutesAgo(1) });
    await withTenant(a, (tx) => tx.update(contacts).set({ businessName: "Pat (wholesale)" }).where(eq(contacts.id, named.contact.id)));
    const header = await withTenant(a, (tx) => getConversation({ tx, actor: actorIn(a) }, { conversationId: named.conversation.id }));
    expect(header?.contact.name).toBe("Pat (wholesale)");
    expect((await list()).conversations.find((x) => x.id === named.conversation.id)?.contact.name).toBe("Pat (wholesale)");
  });

  it("answers a merged-away conversation's id with the conversation it was merged into, and another workspace's with nothing", async () => {
    const twin = await createTestConversation(a, { numberId: support.id, name: "Twin" });
    const survivor = await createTestConversation(a, { numberId: sales.id, name: "Twin, again" });
    await withTenant(a, (tx) => mergeContacts({ tx, tenantId: a }, { survivorId: survivor.contact.id, mergedId: twin.contact.id }));
    const moved = await withTenant(a, (tx) => getConversation({ tx, actor: actorIn(a) }, { conversationId: twin.conversation.id }));
    // Different numbers: the conversation itself moved to the survivor's contact and kept its id.
    expect(moved).toMatchObject({ id: twin.conversation.id, contact: { id: survivor.contact.id } });

    const onSales = await createTestConversation(a, { numberId: sales.id, name: "Twin on sales" });
    const alsoOnSales = await createTestConversation(a, { numberId: sales.id, name: "Same person" });
    await withTenant(a, (tx) => mergeContacts({ tx, tenantId: a }, { survivorId: alsoOnSales.contact.id, mergedId: onSales.contact.id }));
    const led = await withTenant(a, (tx) => getConversation({ tx, actor: actorIn(a) }, { conversationId: onSales.conversation.id }));
    expect(led).toMatchObject({ id: alsoOnSales.conversation.id });
    expect(await withTenant(b, (tx) => getConversation({ tx, actor: actorIn(b) }, { conversationId: onSales.conversation.id }))).toBeNull();
  });
});
