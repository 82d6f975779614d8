import { and, eq, sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { conversations, messages } from "@/db/schema";
import { lockName, lockNames } from "@/lib/domain/locks";
import { statusAlreadyReported } from "@/lib/messages/reported-status";
import { summaryToStore } from "@/lib/messages/summary";
import type { MessageEcho } from "@/lib/whatsapp/fields";
import { referencedWamid } from "@/lib/whatsapp/references";

/**
 * Stores a message the business typed in the WhatsApp Business app on a coexistence number
 * (`smb_message_echoes`) as an outbound message of the conversation, once per wamid (the
 * unique key decides). It moves the conversation's last activity forward only, and neither
 * counts as unread nor opens WhatsApp's reply window: the customer did not write. Meta
 * already sent it, so its status starts at `sent`, or at the furthest status Meta already
 * reported for it: statuses have a lane of their own and can be applied first. Returns the
 * new message's id, or null when the wamid was stored before.
 */
export async function recordBusinessAppEcho(
  tx: TenantTx,
  input: { tenantId: string; conversationId: string; echo: MessageEcho; sentAt: Date },
): Promise<string | null> {
  const { tenantId, conversationId, echo, sentAt } = input;
  await lockNames(tx, tenantId, [lockName.wamid(echo.id)]);
  const { status, error } = await statusAlreadyReported(tx, echo.id);
  const [row] = await tx
    .insert(messages)
    .values({
      tenantId,
      conversationId,
      direction: "outbound",
      wamid: echo.id,
      type: echo.type,
      text: summaryToStore(echo),
      payload: echo,
      status,
      error,
      sentAt,
      replyToWamid: referencedWamid(echo),
      fromBusinessApp: true,
    })
    .onConflictDoNothing({ target: [messages.tenantId, messages.wamid] })
    .returning({ id: messages.id });
  if (!row) return null;
  await tx
    .update(conversations)
    .set({ lastMessageAt: sql`greatest(${conversations.lastMessageAt}, ${sentAt.toISOString()}::timestamptz)` })
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
  return row.id;
}
