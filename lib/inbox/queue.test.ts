import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations, messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import {
  createTestConversation,
  createTestMember,
  createTestMessage,
  createTestNumber,
  createTestUser,
  createTestWorkspace,
} from "@/testing/db/factories";
import type { Unsubscribe } from "@/lib/realtime/hub";
import { commitBarrier, recorder, testHub } from "@/testing/realtime";
import type { AppError } from "@/lib/domain/errors";
import { assignConversation, reopenConversation, resolveConversation, unassignConversation } from "./queue";
import { getThread, getThreadInput } from "./thread";

let a: string;
let b: string;
let me: { id: string };
let bob: { id: string };
let bMember: { id: string };
let numberId: string;
let bConversation: string;
const hub = testHub();
const forA = recorder();
const forB = recorder();
const stops: Unsubscribe[] = [];

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  me = await createTestMember(a, "agent", "Ana Agent");
  bob = await createTestMember(a, "agent", "Bob Builder");
  bMember = await createTestMember(b, "agent", "Bravo Member");
  numberId = (await createTestNumber(a, "110000000000001")).id;
  const bNumber = await createTestNumber(b, "220000000000001");
  bConversation = (await createTestConversation(b, { numberId: bNumber.id })).conversation.id;
  stops.push(await hub.subscribe(a, forA.subscriber), await hub.subscribe(b, forB.subscriber));
});

afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
});

async function freshConversation() {
  const { conversation } = await createTestConversation(a, { numberId });
  await createTestMessage(a, conversation.id, { direction: "inbound", text: "hola" });
  return conversation.id;
}

const state = (conversationId: string, tenantId = a) =>
  withTenant(tenantId, async (tx) => {
    const [row] = await tx
      .select({ status: conversations.status, assigneeUserId: conversations.assigneeUserId })
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
    return row;
  });

const events = async (conversationId: string) =>
  (await withTenant(a, (tx) => getThread({ tx, actor: { tenantId: a, userId: me.id, role: "agent" } }, getThreadInput.parse({ conversationId }))))!.messages
    .filter((x) => x.event)
    .map((x) => ({ kind: x.event!.kind, actor: x.event!.actor?.id, assignee: x.event!.assignee?.id ?? null }))
    .reverse();

/** Everything A's inboxes heard about this conversation, up to now. */
async function heard(conversationId: string) {
  const barrier = await commitBarrier(a);
  await forA.received(barrier);
  return forA.events.filter((e) => e.conversationId === conversationId).map((e) => [e.type, e.messageId ?? null]);
}

describe("working the queue", () => {
  it("assigns to a member: the conversation changes, the thread records it, every inbox hears it", async () => {
    const id = await freshConversation();
    const result = await withTenant(a, (tx) =>
      assignConversation({ tx, actor: { tenantId: a, userId: me.id, role: "agent" } }, { conversationId: id, assigneeUserId: bob.id }),
    );
    expect(result.changed).toBe(true);
    expect(await state(id)).toEqual({ status: "open", assigneeUserId: bob.id });
    expect(await events(id)).toEqual([{ kind: "assigned", actor: me.id, assignee: bob.id }]);
    expect(await heard(id)).toEqual([
      ["conversation.updated", null],
      ["message.created", result.eventMessageId],
    ]);
  });

  it("assigns to me, unassigns, resolves and reopens, each once however often it is asked", async () => {
    const id = await freshConversation();
    const act = <T>(work: Parameters<typeof withTenant<T>>[1]) => withTenant(a, work);
    const base = { conversationId: id };
    const as = (userId: string) => ({ tenantId: a, userId, role: "agent" as const });
    for (let i = 0; i < 2; i++) await act((tx) => assignConversation({ tx, actor: as(me.id) }, { ...base, assigneeUserId: me.id }));
    expect((await state(id))!.assigneeUserId).toBe(me.id);
    for (let i = 0; i < 2; i++) await act((tx) => unassignConversation({ tx, actor: as(me.id) }, base));
    expect((await state(id))!.assigneeUserId).toBeNull();
    for (let i = 0; i < 2; i++) await act((tx) => resolveConversation({ tx, actor: as(me.id) }, base));
    expect((await state(id))!.status).toBe("resolved");
    for (let i = 0; i < 2; i++) await act((tx) => reopenConversation({ tx, actor: as(bob.id) }, base));
    expect((await state(id))!.status).toBe("open");

    expect(await events(id)).toEqual([
      { kind: "assigned", actor: me.id, assignee: me.id },
      { kind: "unassigned", actor: me.id, assignee: me.id },
      { kind: "resolved", actor: me.id, assignee: null },
      { kind: "reopened", actor: bob.id, assignee: null },
    ]);
    expect((await heard(id)).filter(([type]) => type === "message.created")).toHaveLength(4);
  });

  it("refuses to assign to someone who is not a member of this workspace, and changes nothing", async () => {
    const id = await freshConversation();
    const outsider = await createTestUser("Outsider");
    for (const assigneeUserId of [bMember.id, outsider.id]) {
      const error = await withTenant(a, (tx) =>
        assignConversation({ tx, actor: { tenantId: a, userId: me.id, role: "agent" } }, { conversationId: id, assigneeUserId }),
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "AppError", kind: "not_found", code: "member_not_found" });
    }
    const asOutsider = await withTenant(a, (tx) => resolveConversation({ tx, actor: { tenantId: a, userId: outsider.id, role: "agent" } }, { conversationId: id })).catch(
      (e: unknown) => e,
    );
    expect((asOutsider as AppError).code).toBe("member_not_found");
    expect(await state(id)).toEqual({ status: "open", assigneeUserId: null });
    expect(await events(id)).toEqual([]);
    expect(await heard(id)).toEqual([]);
  });

  it("cannot touch another workspace's conversation, even with that workspace's own member", async () => {
    const attempts = [
      (tx: Parameters<Parameters<typeof withTenant>[1]>[0]) =>
        assignConversation({ tx, actor: { tenantId: a, userId: me.id, role: "agent" } }, { conversationId: bConversation, assigneeUserId: me.id }),
      (tx: Parameters<Parameters<typeof withTenant>[1]>[0]) =>
        resolveConversation({ tx, actor: { tenantId: b, userId: bMember.id, role: "agent" } }, { conversationId: bConversation }),
    ];
    for (const attempt of attempts) {
      const error = await withTenant(a, attempt).catch((e: unknown) => e);
      expect((error as AppError).code).toBe("conversation_not_found");
    }
    expect(await state(bConversation, b)).toEqual({ status: "open", assigneeUserId: null });
    const barrier = await commitBarrier(b);
    await forB.received(barrier);
    expect(forB.events.map((e) => e.conversationId)).toEqual([barrier]);
  });

  it("records one event when several people resolve the same conversation at once", async () => {
    const id = await freshConversation();
    await Promise.all(
      [me.id, bob.id, me.id, bob.id].map((actorUserId) =>
        withTenant(a, (tx) => resolveConversation({ tx, actor: { tenantId: a, userId: actorUserId, role: "agent" } }, { conversationId: id })),
      ),
    );
    const rows = await withTenant(a, (tx) =>
      tx
        .select({ type: messages.type })
        .from(messages)
        .where(and(eq(messages.tenantId, a), eq(messages.conversationId, id), eq(messages.direction, "event"))),
    );
    expect(rows).toEqual([{ type: "resolved" }]);
  });
});
