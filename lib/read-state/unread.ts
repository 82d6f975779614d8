import { and, eq, gt } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "@/db/client";
import { conversations } from "@/db/schema";
import { notifyWorkspace } from "@/lib/realtime/events";

const conversationInput = z.object({ tenantId: z.uuid(), conversationId: z.uuid() });

/**
 * Opening a conversation reads it: its unread count drops to zero and every open inbox of
 * the workspace hears so. Returns whether anything was unread.
 */
export async function clearUnread(tx: Tx, input: z.input<typeof conversationInput>): Promise<boolean> {
  const { tenantId, conversationId } = conversationInput.parse(input);
  const cleared = await tx
    .update(conversations)
    .set({ unreadCount: 0 })
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId), gt(conversations.unreadCount, 0)))
    .returning({ id: conversations.id });
  if (cleared.length === 0) return false;
  await notifyWorkspace(tx, { tenantId, type: "conversation.updated", conversationId });
  return true;
}
