import { and, eq, sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { conversations } from "@/db/schema";

/**
 * The one conversation between a business number and a contact. Most messages come from
 * customers who wrote before, so it is looked up first (one statement); only a new pair
 * is inserted. ON CONFLICT DO NOTHING waits for a concurrent creator and then yields to
 * it; the select after that (a new snapshot) sees the row it created.
 */
export async function findOrCreateConversation(
  tx: TenantTx,
  input: { tenantId: string; businessNumberId: string; contactId: string; at: Date },
): Promise<{ id: string; created: boolean }> {
  const find = async () => {
    const [found] = await tx
      .select({ id: conversations.id })
      .from(conversations)
      .where(
        and(
          eq(conversations.tenantId, input.tenantId),
          eq(conversations.businessNumberId, input.businessNumberId),
          eq(conversations.contactId, input.contactId),
        ),
      );
    return found;
  };
  const existing = await find();
  if (existing) return { id: existing.id, created: false };
  const [created] = await tx
    .insert(conversations)
    .values({
      tenantId: input.tenantId,
      businessNumberId: input.businessNumberId,
      contactId: input.contactId,
      lastMessageAt: input.at,
    })
    .onConflictDoNothing({ target: [conversations.tenantId, conversations.businessNumberId, conversations.contactId] })
    .returning({ id: conversations.id });
  if (created) return { id: created.id, created: true };
  const raced = await find();
  if (!raced) throw new Error("conversation conflicted on insert but could not be read back");
  return { id: raced.id, created: false };
}

/**
 * A new message from the customer: reopen, count it unread, and move the times forward
 * only (deliveries arrive out of order; WhatsApp's timestamp decides, never arrival).
 */
export async function recordCustomerMessage(tx: TenantTx, tenantId: string, conversationId: string, sentAt: Date): Promise<void> {
  await tx
    .update(conversations)
    .set({
      status: "open",
      unreadCount: sql`${conversations.unreadCount} + 1`,
      lastMessageAt: sql`greatest(${conversations.lastMessageAt}, ${sentAt.toISOString()}::timestamptz)`,
      lastInboundAt: sql`greatest(${conversations.lastInboundAt}, ${sentAt.toISOString()}::timestamptz)`,
    })
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
}
