import { and, eq, inArray, sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { conversations, memberships, messages } from "@/db/schema";
import { notifyWorkspace } from "@/lib/realtime/events";
import type { TenantCtx } from "@/lib/domain/context";
import { AppError } from "@/lib/domain/errors";

/**
 * Working the queue. Each action changes the conversation and records an event row in its
 * thread (`direction = 'event'`, see "Messages: how each kind is stored") in the caller's
 * transaction, then tells every open inbox of the workspace. Repeating an action that is
 * already in effect changes nothing and records nothing, so a double click leaves one event.
 */

export type QueueResult = {
  changed: boolean;
  /** The event row added to the thread, when something changed. */
  eventMessageId: string | null;
};

/** Which conversation; ids validated at the edge (lib/inbox/queue-action.ts). The actor is `ctx.actor`. */
export type QueueInput = { conversationId: string };
export type AssignInput = QueueInput & { assigneeUserId: string };

type Locked = { status: "open" | "resolved"; assigneeUserId: string | null };

// Both mean "not here": another workspace's ids must look exactly like unknown ones.
const conversationNotFoundMessage = "This conversation does not exist in this workspace. Go back to the inbox and pick another.";
const memberNotFoundMessage = "That person is not a member of this workspace. Pick someone from the member list.";

/** The conversation, locked until the transaction ends so concurrent actions queue up. */
async function lockConversation(tx: TenantTx, tenantId: string, conversationId: string): Promise<Locked> {
  const [found] = await tx
    .select({ status: conversations.status, assigneeUserId: conversations.assigneeUserId })
    .from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)))
    .for("update");
  if (!found) throw new AppError("not_found", conversationNotFoundMessage, { code: "conversation_not_found" });
  return found;
}

async function requireMembers(tx: TenantTx, tenantId: string, userIds: string[]): Promise<void> {
  const wanted = [...new Set(userIds)];
  const found = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), inArray(memberships.userId, wanted)));
  if (found.length !== wanted.length) throw new AppError("not_found", memberNotFoundMessage, { code: "member_not_found" });
}

async function recordEvent(
  tx: TenantTx,
  tenantId: string,
  conversationId: string,
  type: "assigned" | "unassigned" | "resolved" | "reopened",
  payload: { actorUserId: string; assigneeUserId?: string },
): Promise<QueueResult> {
  const [event] = await tx
    .insert(messages)
    .values({ tenantId, conversationId, direction: "event", type, payload, sentAt: sql`now()` })
    .returning({ id: messages.id });
  await notifyWorkspace(
    tx,
    { tenantId, type: "conversation.updated", conversationId },
    { tenantId, type: "message.created", conversationId, messageId: event!.id },
  );
  return { changed: true, eventMessageId: event!.id };
}

const unchanged: QueueResult = { changed: false, eventMessageId: null };

/** Assigns to a member of this workspace (to oneself: the actor as assignee). */
export async function assignConversation({ tx, actor }: TenantCtx, { conversationId, assigneeUserId }: AssignInput): Promise<QueueResult> {
  const { tenantId, userId: actorUserId } = actor;
  const current = await lockConversation(tx, tenantId, conversationId);
  await requireMembers(tx, tenantId, [actorUserId, assigneeUserId]);
  if (current.assigneeUserId === assigneeUserId) return unchanged;
  await tx
    .update(conversations)
    .set({ assigneeUserId })
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
  return recordEvent(tx, tenantId, conversationId, "assigned", { actorUserId, assigneeUserId });
}

export async function unassignConversation({ tx, actor }: TenantCtx, { conversationId }: QueueInput): Promise<QueueResult> {
  const { tenantId, userId: actorUserId } = actor;
  const current = await lockConversation(tx, tenantId, conversationId);
  await requireMembers(tx, tenantId, [actorUserId]);
  if (current.assigneeUserId === null) return unchanged;
  await tx
    .update(conversations)
    .set({ assigneeUserId: null })
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
  return recordEvent(tx, tenantId, conversationId, "unassigned", { actorUserId, assigneeUserId: current.assigneeUserId });
}

async function setStatus({ tx, actor }: TenantCtx, { conversationId }: QueueInput, status: "open" | "resolved"): Promise<QueueResult> {
  const { tenantId, userId: actorUserId } = actor;
  const current = await lockConversation(tx, tenantId, conversationId);
  await requireMembers(tx, tenantId, [actorUserId]);
  if (current.status === status) return unchanged;
  await tx
    .update(conversations)
    .set({ status })
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
  return recordEvent(tx, tenantId, conversationId, status === "resolved" ? "resolved" : "reopened", { actorUserId });
}

export async function resolveConversation(ctx: TenantCtx, input: QueueInput): Promise<QueueResult> {
  return setStatus(ctx, input, "resolved");
}

export async function reopenConversation(ctx: TenantCtx, input: QueueInput): Promise<QueueResult> {
  return setStatus(ctx, input, "open");
}
