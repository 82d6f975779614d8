import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { conversations } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { fixtureJson } from "@/testing/fixtures";
import { reply } from "@/testing/fake-graph-server";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { markConversationRead } from "./mark-read";
import { outboundWorld, type OutboundWorld } from "@/testing/outbound";
import { captureLogs } from "@/testing/logs";

const graph = fakeGraphPerFile();

const deps = () => ({ graph: graph.client() });
const actorIn = (tenantId: string) => ({ tenantId, userId: randomUUID(), role: "agent" as const });

async function unreadCount(world: OutboundWorld) {
  const [row] = await withTenant(world.tenantId, (tx) =>
    tx.select({ n: conversations.unreadCount }).from(conversations).where(eq(conversations.id, world.conversation.id)),
  );
  return row!.n;
}

it("marks the customer's latest message as read on WhatsApp and clears the unread count", async () => {
  const world = await outboundWorld();
  await markConversationRead({ actor: actorIn(world.tenantId), ...deps() }, { conversationId: world.conversation.id });
  const [call] = graph.calls("messages");
  expect(call!.body).toEqual({ ...fixtureJson<object>("graph", "mark-read-request"), message_id: world.inbound.wamid });
  expect(call!.authorization).toBe(`Bearer ${world.token}`);
  expect(await unreadCount(world)).toBe(0);
});

it("does nothing more when nothing is unread", async () => {
  const world = await outboundWorld();
  await markConversationRead({ actor: actorIn(world.tenantId), ...deps() }, { conversationId: world.conversation.id });
  await markConversationRead({ actor: actorIn(world.tenantId), ...deps() }, { conversationId: world.conversation.id });
  expect(graph.calls("messages")).toHaveLength(1);
});

it("never throws when Meta fails, and logs without the token", async () => {
  const world = await outboundWorld();
  graph.queue("messages", ...Array.from({ length: 4 }, () => reply.metaError(500, 131000, "Something went wrong")));
  const { output } = await captureLogs(() =>
    markConversationRead({ actor: actorIn(world.tenantId), ...deps() }, { conversationId: world.conversation.id }),
  );
  expect(output).toContain("mark_read_failed");
  expect(output).not.toContain(world.token!);
  expect(await unreadCount(world)).toBe(0);
});

it("never calls Meta for a sandbox number, nor for another workspace's conversation", async () => {
  const sandbox = await outboundWorld({ token: null });
  await markConversationRead({ actor: actorIn(sandbox.tenantId), ...deps() }, { conversationId: sandbox.conversation.id });
  expect(await unreadCount(sandbox)).toBe(0);

  const mine = await outboundWorld();
  const theirs = await outboundWorld();
  await markConversationRead({ actor: actorIn(mine.tenantId), ...deps() }, { conversationId: theirs.conversation.id });
  expect(await unreadCount(theirs)).toBe(1);
  await markConversationRead({ actor: actorIn("not-a-uuid"), ...deps() }, { conversationId: theirs.conversation.id });
  expect(graph.requests).toHaveLength(0);
});
