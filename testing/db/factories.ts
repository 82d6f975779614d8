import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { withPlatform } from "@/db/platform";
import type { TenantTx } from "@/db/transactions";
import type { TenantCtx } from "@/lib/domain/context";
import {
  accountNotices,
  appliedFieldEvents,
  auditLog,
  businessNumbers,
  contacts,
  conversationMerges,
  conversations,
  invitations,
  memberships,
  messageStatuses,
  messageTemplates,
  messages,
  outboxEvents,
  phoneNumberRoutes,
  users,
  workspaces,
} from "@/db/schema";
import { withTenant } from "@/db/tenant";

const suffix = () => randomBytes(4).toString("hex");

export async function createTestWorkspace(name = "Workspace") {
  const [workspace] = await withPlatform((tx) =>
    tx.insert(workspaces).values({ name, slug: `${name.toLowerCase().replace(/\W+/g, "-")}-${suffix()}` }).returning(),
  );
  return workspace!;
}

export async function createTestUser(name = "Test User") {
  const [user] = await withPlatform((tx) =>
    tx
      .insert(users)
      .values({ name, email: `user-${suffix()}@example.test`, passwordHash: "not-a-real-hash", emailVerifiedAt: new Date() })
      .returning(),
  );
  return user!;
}

/** A user who is a member of the workspace with this role. */
export async function createTestMember(tenantId: string, role: "owner" | "admin" | "agent", name = `${role} user`) {
  const user = await createTestUser(name);
  await withTenant(tenantId, (tx) => tx.insert(memberships).values({ tenantId, userId: user.id, role }));
  return user;
}

/** A business number owned by the workspace, routed platform-wide, as if Graph had proved it. */
export async function createTestNumber(tenantId: string, phoneNumberId: string, label = "Main line") {
  await withPlatform((tx) => tx.insert(phoneNumberRoutes).values({ phoneNumberId, workspaceId: tenantId }));
  const [number] = await withTenant(tenantId, (tx) =>
    tx
      .insert(businessNumbers)
      .values({ tenantId, phoneNumberId, displayNumber: `+${phoneNumberId}`, wabaId: "1044", label, verifiedAt: new Date() })
      .returning(),
  );
  return number!;
}

/**
 * One row in every workspace-owned table for this workspace. The tenancy test checks
 * that it covers every table with a tenant_id, so extend it when you add one.
 */
export async function seedEveryTenantTable(tenantId: string, phoneNumberId: string) {
  const user = await createTestUser();
  const number = await createTestNumber(tenantId, phoneNumberId);
  return withTenant(tenantId, async (tx) => {
    await tx.insert(memberships).values({ tenantId, userId: user.id, role: "owner" });
    const [contact] = await tx.insert(contacts).values({ tenantId, waId: `1555${suffix()}`, profileName: "Ana" }).returning();
    const [conversation] = await tx
      .insert(conversations)
      .values({ tenantId, businessNumberId: number.id, contactId: contact!.id })
      .returning();
    await tx.insert(conversationMerges).values({ tenantId, mergedId: randomUUID(), survivorId: conversation!.id });
    const wamid = `wamid.${suffix()}`;
    const [message] = await tx
      .insert(messages)
      .values({
        tenantId,
        conversationId: conversation!.id,
        direction: "inbound",
        wamid,
        type: "text",
        text: "hola",
        payload: { type: "text" },
        sentAt: new Date(),
      })
      .returning();
    await tx.insert(messageStatuses).values({ tenantId, wamid, status: "read", occurredAt: new Date(), payload: {} });
    await tx.insert(auditLog).values({ tenantId, actorUserId: user.id, action: "test.seeded" });
    await tx.insert(invitations).values({
      tenantId,
      email: `invitee-${suffix()}@example.test`,
      role: "agent",
      tokenHash: "0".repeat(64),
      invitedByUserId: user.id,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await tx.insert(messageTemplates).values({
      tenantId,
      wabaId: number.wabaId,
      metaTemplateId: `88${suffix()}`,
      name: "order_update",
      language: "es_MX",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Tu pedido {{1}} va en camino." }],
      syncedAt: new Date(),
    });
    await tx.insert(outboxEvents).values({ tenantId, type: "message.created", conversationId: conversation!.id, messageId: message!.id });
    await tx.insert(accountNotices).values({
      tenantId,
      wabaId: number.wabaId,
      field: "account_alerts",
      dedupeKey: `seed-${suffix()}`,
      kind: "OBA_APPROVED",
      payload: {},
      occurredAt: new Date(),
    });
    await tx.insert(appliedFieldEvents).values({ tenantId, eventKey: `seed-${suffix()}` });
    return { user, number, contact: contact!, conversation: conversation!, message: message! };
  });
}

type ConversationSeed = {
  numberId: string;
  /** Digits; omitted for a username-only contact, which then needs `userId`. */
  waId?: string | null;
  userId?: string;
  name?: string | null;
  status?: "open" | "resolved";
  assigneeUserId?: string | null;
  lastMessageAt?: Date;
};

/** A contact and its conversation with one business number, with no messages yet. */
export async function createTestConversation(tenantId: string, seed: ConversationSeed) {
  return withTenant(tenantId, async (tx) => {
    const [contact] = await tx
      .insert(contacts)
      .values({
        tenantId,
        waId: seed.waId === undefined ? `1555${suffix()}` : seed.waId,
        userId: seed.userId,
        profileName: seed.name === undefined ? "Customer" : seed.name,
      })
      .returning();
    const [conversation] = await tx
      .insert(conversations)
      .values({
        tenantId,
        businessNumberId: seed.numberId,
        contactId: contact!.id,
        status: seed.status ?? "open",
        assigneeUserId: seed.assigneeUserId ?? null,
        lastMessageAt: seed.lastMessageAt ?? new Date(),
      })
      .returning();
    return { contact: contact!, conversation: conversation! };
  });
}

/**
 * Many conversations in one statement, for paging tests: `lastMessageAt(i)` decides the
 * order (give several the same time to test ties).
 */
export async function createTestConversations(
  tenantId: string,
  numberId: string,
  count: number,
  lastMessageAt: (i: number) => Date,
) {
  return withTenant(tenantId, async (tx) => {
    const people = await tx
      .insert(contacts)
      .values(Array.from({ length: count }, (_, i) => ({ tenantId, waId: `1666${suffix()}${i}`, profileName: `Bulk ${i}` })))
      .returning({ id: contacts.id });
    return tx
      .insert(conversations)
      .values(people.map((p, i) => ({ tenantId, businessNumberId: numberId, contactId: p.id, lastMessageAt: lastMessageAt(i) })))
      .returning();
  });
}

type MessageSeed = {
  direction: "inbound" | "outbound";
  type?: string;
  text?: string | null;
  payload?: Record<string, unknown>;
  wamid?: string;
  sentAt?: Date;
  replyToWamid?: string;
  status?: "pending" | "sent" | "delivered" | "read" | "failed";
  error?: unknown;
  authorUserId?: string;
};

/**
 * A message stored as the webhook and outbound writers store it ("Messages: how each kind
 * is stored"), and the conversation touched as they touch it: a reaction moves nothing;
 * any other message moves last activity forward, and an inbound one also counts as unread
 * and restarts the 24-hour window.
 */
export async function createTestMessage(tenantId: string, conversationId: string, seed: MessageSeed) {
  const type = seed.type ?? "text";
  const sentAt = seed.sentAt ?? new Date();
  return withTenant(tenantId, async (tx) => {
    const [message] = await tx
      .insert(messages)
      .values({
        tenantId,
        conversationId,
        direction: seed.direction,
        wamid: seed.wamid ?? `wamid.${suffix()}${suffix()}`,
        type,
        text: seed.text === undefined ? `message ${suffix()}` : seed.text,
        payload: seed.payload ?? { type },
        sentAt,
        replyToWamid: seed.replyToWamid,
        status: seed.status ?? (seed.direction === "outbound" ? "sent" : null),
        error: seed.error,
        authorUserId: seed.authorUserId,
      })
      .returning();
    if (type !== "reaction") {
      await tx
        .update(conversations)
        .set({
          lastMessageAt: sql`greatest(${conversations.lastMessageAt}, ${sentAt.toISOString()}::timestamptz)`,
          ...(seed.direction === "inbound"
            ? {
                unreadCount: sql`${conversations.unreadCount} + 1`,
                lastInboundAt: sql`greatest(${conversations.lastInboundAt}, ${sentAt.toISOString()}::timestamptz)`,
              }
            : {}),
        })
        .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
    }
    return message!;
  });
}

/** A workspace's context for reads that need no particular person: its owner's view. */
export function ownerCtx(tx: TenantTx, tenantId: string): TenantCtx {
  return { tx, actor: { tenantId, userId: randomUUID(), role: "owner" } };
}
