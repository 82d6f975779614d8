import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "@/db/tenant";
import {
  createTestConversation,
  createTestMember,
  createTestMessage,
  createTestNumber,
  createTestWorkspace,
} from "@/testing/db/factories";
import { fixtureJson } from "@/testing/fixtures";
import { assignConversation } from "./queue";
import { searchInbox, searchInput, type SearchResult } from "./search";
import { getThread, getThreadInput } from "./thread";

let a: string;
let b: string;
const id: Record<string, string> = {};

type Inbound = { entry: [{ changes: [{ value: { messages: [{ text: { body: string } }] } }] }] };
const fixtureBody = fixtureJson<Inbound>("whatsapp", "text-inbound").entry[0].changes[0].value.messages[0].text.body;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  const me = await createTestMember(a, "agent", "Ana Agent");
  const sales = await createTestNumber(a, "110000000000001", "Sales");
  const support = await createTestNumber(a, "110000000000002", "Support");

  const maria = await createTestConversation(a, { numberId: sales.id, waId: "5215512345678", name: "María José" });
  id.maria = maria.conversation.id;
  id.fixture = (await createTestMessage(a, id.maria, { direction: "inbound", text: fixtureBody, sentAt: new Date("2026-06-01T09:00:00Z") })).id;
  id.spanish = (await createTestMessage(a, id.maria, { direction: "inbound", text: "¿Dónde está mi pedido?", sentAt: new Date("2026-06-01T10:00:00Z") })).id;
  id.reply = (await createTestMessage(a, id.maria, { direction: "outbound", text: "Su pedido llega mañana", sentAt: new Date("2026-06-01T10:05:00Z") })).id;
  id.percent = (await createTestMessage(a, id.maria, { direction: "outbound", text: "Descuento del 100% seguro", sentAt: new Date("2026-06-01T10:06:00Z") })).id;
  await createTestMessage(a, id.maria, { direction: "inbound", type: "reaction", text: "pedido", replyToWamid: "wamid.x" });
  await withTenant(a, (tx) => assignConversation({ tx, actor: { tenantId: a, userId: me.id, role: "agent" } }, { conversationId: id.maria!, assigneeUserId: me.id }));

  const ivan = await createTestConversation(a, { numberId: support.id, waId: "79161234567", name: "Иван Петров" });
  id.ivan = ivan.conversation.id;
  id.russian = (await createTestMessage(a, id.ivan, { direction: "inbound", text: "Где мой заказ?" })).id;

  const mira = await createTestConversation(a, { numberId: support.id, waId: null, userId: "US.13491208655302741918", name: "Mira K" });
  id.mira = mira.conversation.id;
  id.document = (await createTestMessage(a, id.mira, { direction: "inbound", type: "document", text: "Pedido_4471.pdf" })).id;

  // Workspace B has lookalikes of everything: none may ever show up in A's results.
  const bNumber = await createTestNumber(b, "220000000000001");
  const bMaria = await createTestConversation(b, { numberId: bNumber.id, waId: "5215512340000", name: "María Bravo" });
  id.bMaria = bMaria.conversation.id;
  id.bMessage = (await createTestMessage(b, id.bMaria, { direction: "inbound", text: "¿Dónde está mi pedido?" })).id;
});

const actorIn = (tenantId: string) => ({ tenantId, userId: randomUUID(), role: "agent" as const });
const search = (query: string, tenantId = a, limit?: number) =>
  withTenant(tenantId, async (tx) => searchInbox({ tx, actor: actorIn(tenantId) }, searchInput.parse({ query, limit })));
const messageIds = (r: SearchResult) => r.messages.map((m) => m.messageId);
const conversationIds = (r: SearchResult) => r.conversations.map((c) => c.id);

describe("search", () => {
  it("finds message text whatever the case and accents, newest first", async () => {
    for (const query of ["donde esta", "DÓNDE ESTÁ MI", "¿dónde", "  dónde   está  "]) {
      expect(messageIds(await search(query)), query).toEqual([id.spanish]);
    }
    expect(messageIds(await search("pedido"))).toEqual([id.document, id.reply, id.spanish]);
    // Meta's own sample, non-ASCII as it arrives: "Hola, ¿tienen envío hoy? 🚚".
    expect(messageIds(await search("ENVIO HOY"))).toEqual([id.fixture]);
  });

  it("finds text in other scripts", async () => {
    expect(messageIds(await search("заказ"))).toEqual([id.russian]);
    expect(conversationIds(await search("Петров"))).toEqual([id.ivan]);
  });

  it("finds contacts by name and by part of their number, however it is typed", async () => {
    expect(conversationIds(await search("maria jo"))).toEqual([id.maria]);
    expect(conversationIds(await search("JOSÉ"))).toEqual([id.maria]);
    for (const query of ["5512", "+52 155 1234", "1234-5678", "(521) 551"]) {
      expect(conversationIds(await search(query)), query).toEqual([id.maria]);
    }
    expect(conversationIds(await search("mira"))).toEqual([id.mira]);
  });

  it("identifies the conversation and message of a hit, so the thread opens at it", async () => {
    const [hit] = (await search("llega mañana")).messages;
    expect(hit).toMatchObject({
      conversationId: id.maria,
      messageId: id.reply,
      direction: "outbound",
      summary: "Su pedido llega mañana",
      contact: { name: "María José", waId: "5215512345678" },
      number: { label: "Sales" },
    });
    const page = await withTenant(a, (tx) =>
      getThread({ tx, actor: actorIn(a) }, getThreadInput.parse({ conversationId: hit!.conversationId, around: hit!.messageId, limit: 2 })),
    );
    expect(page!.messages.map((m) => m.id)).toContain(id.reply);
  });

  it("returns conversation hits as the list shows them", async () => {
    const [maria] = (await search("maría")).conversations;
    expect(maria).toMatchObject({ id: id.maria, contact: { name: "María José" }, number: { label: "Sales" }, assignee: { name: "Ana Agent" } });
  });

  it("never returns another workspace's messages or contacts", async () => {
    const fromA = await search("dónde está");
    expect(messageIds(fromA)).not.toContain(id.bMessage);
    expect(conversationIds(await search("maría"))).toEqual([id.maria]);
    expect(conversationIds(await search("55123400"))).toEqual([]);
    const fromB = await search("dónde está", b);
    expect(messageIds(fromB)).toEqual([id.bMessage]);
    // Even asked for B's tenant inside A's transaction, row-level security answers nothing.
    const crossed = await withTenant(a, async (tx) => searchInbox({ tx, actor: actorIn(b) }, searchInput.parse({ query: "dónde está" })));
    expect(crossed).toEqual({ conversations: [], messages: [] });
  });

  it("treats LIKE wildcards and quotes as plain characters", async () => {
    expect(messageIds(await search("100% seg"))).toEqual([id.percent]);
    expect(messageIds(await search("ped_do"))).toEqual([]);
    expect(messageIds(await search("%%%ped"))).toEqual([]);
    expect(messageIds(await search("pedido_4471"))).toEqual([id.document]);
    expect(await search("'; drop table messages; --")).toEqual({ conversations: [], messages: [] });
    expect(await search("\\\\x00' or 1=1")).toEqual({ conversations: [], messages: [] });
    expect(messageIds(await search("pedido"))).toHaveLength(3);
  });

  it("does not search reactions or thread events", async () => {
    const all = await search("pedido", a, 50);
    expect(all.messages.map((m) => m.type)).not.toContain("reaction");
  });

  it("asks for three letters or digits before searching", async () => {
    await expect(search("ab")).rejects.toThrow(/three letters or digits/);
    await expect(search("a b c")).rejects.toThrow(/three letters or digits/);
    await expect(search("x".repeat(201))).rejects.toThrow(/at most 200/);
  });

  it("returns at most `limit` hits of each kind, the newest ones", async () => {
    // Few enough hits to fill the page from the newest messages: the other way to answer.
    expect(messageIds(await search("pedido", a, 2))).toEqual([id.document, id.reply]);
    expect(conversationIds(await search("maría", a, 1))).toEqual([id.maria]);
    expect(conversationIds(await search("+52 155", a, 1))).toEqual([id.maria]);
    expect(messageIds(await search("dónde está", b, 1))).toEqual([id.bMessage]);
  });
});
