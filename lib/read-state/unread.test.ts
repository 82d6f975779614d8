import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "@/db/tenant";
import { getConversation } from "@/lib/inbox/conversations";
import { createTestConversation, createTestMessage, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { commitBarrier, recorder, testHub } from "@/testing/realtime";
import { clearUnread } from "./unread";

let a: string;
let b: string;
let sales: { id: string };
let bConversation: string;
const actorIn = (tenantId: string) => ({ tenantId, userId: randomUUID(), role: "agent" as const });

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  sales = await createTestNumber(a, "110000000000001", "Sales");
  const bNumber = await createTestNumber(b, "220000000000001", "Bravo main");
  bConversation = (await createTestConversation(b, { numberId: bNumber.id, name: "Bravo's customer" })).conversation.id;
  await createTestMessage(b, bConversation, { direction: "inbound", text: "B's secret" });
});

describe("opening a conversation", () => {
  it("clears its unread count once and tells the workspace's open inboxes", async () => {
    const hub = testHub();
    const forA = recorder();
    const forB = recorder();
    const stop = [await hub.subscribe(a, forA.subscriber), await hub.subscribe(b, forB.subscriber)];
    const { conversation } = await createTestConversation(a, { numberId: sales.id });
    await createTestMessage(a, conversation.id, { direction: "inbound" });
    await createTestMessage(a, conversation.id, { direction: "inbound" });
    expect((await withTenant(a, (tx) => getConversation({ tx, actor: actorIn(a) }, { conversationId: conversation.id })))?.unreadCount).toBe(2);

    expect(await withTenant(a, (tx) => clearUnread({ tx, actor: actorIn(a) }, { conversationId: conversation.id }))).toBe(true);
    await forA.received(conversation.id);
    expect(forA.events).toEqual([{ tenantId: a, type: "conversation.updated", conversationId: conversation.id }]);
    expect((await withTenant(a, (tx) => getConversation({ tx, actor: actorIn(a) }, { conversationId: conversation.id })))?.unreadCount).toBe(0);

    expect(await withTenant(a, (tx) => clearUnread({ tx, actor: actorIn(a) }, { conversationId: conversation.id }))).toBe(false);
    const [aBarrier, bBarrier] = [await commitBarrier(a), await commitBarrier(b)];
    await forA.received(aBarrier);
    await forB.received(bBarrier);
    await Promise.all(stop.map((s) => s()));
    expect(forA.events.map((e) => e.conversationId)).toEqual([conversation.id, aBarrier]);
    expect(forB.events.map((e) => e.conversationId)).toEqual([bBarrier]);
  });

  it("cannot clear another workspace's unread count", async () => {
    expect(await withTenant(a, (tx) => clearUnread({ tx, actor: actorIn(a) }, { conversationId: bConversation }))).toBe(false);
    const stillUnread = await withTenant(b, (tx) => getConversation({ tx, actor: actorIn(b) }, { conversationId: bConversation }));
    expect(stillUnread?.unreadCount).toBe(1);
  });
});
