import { and, eq, gt } from "drizzle-orm";
import { conversations } from "@/db/schema";
import type { TenantCtx } from "@/lib/domain/context";
import { notifyWorkspace } from "@/lib/realtime/events";

/**
 * The database half of reading a conversation (mark-read.ts adds the read receipt to
 * WhatsApp): its unread count drops to zero and every open inbox of the workspace hears
 * so. Returns whether anything was unread.
 */
export async function clearUnread({ tx, actor }: TenantCtx, { conversationId }: { conversationId: string }): Promise<boolean> {
  const { tenantId } = actor;
  const cleared = await tx
    .update(conversations)
    .set({ unreadCount: 0 })
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId), gt(conversations.unreadCount, 0)))
    .returning({ id: conversations.id });
  if (cleared.length === 0) return false;
  await notifyWorkspace(tx, { tenantId, type: "conversation.updated", conversationId });
  return true;
}
