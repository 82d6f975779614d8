import { and, eq } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { messages } from "@/db/schema";
import { summaryToStore } from "@/lib/messages/summary";
import { notifyWorkspace } from "@/lib/realtime/events";
import { timestampToDate, type WhatsAppMessage, type WhatsAppProfile } from "@/lib/whatsapp/payload";
import { referencedWamid } from "@/lib/whatsapp/references";
import { changeContactNumber, contactChangingNumber, upsertSender } from "./contacts";
import { findOrCreateConversation, recordCustomerMessage } from "./conversations";

export type InboundMessage = {
  tenantId: string;
  businessNumberId: string;
  message: WhatsAppMessage;
  /** The sender's entry in `value.contacts`, when Meta sent one. */
  profile?: WhatsAppProfile;
  /** When the customer sent it; Meta's timestamp unless it was out of range (lib/ingest/split.ts). */
  sentAt?: Date;
};

export type InboundResult = { stored: true; messageId: string; conversationId: string } | { stored: false };

/**
 * Reactions attach to another bubble and `system` lines are not the customer writing:
 * neither makes a conversation unread, reopens it, or opens WhatsApp's reply window.
 */
function isCustomerMessage(type: string): boolean {
  return type !== "reaction" && type !== "system";
}

/**
 * Stores one inbound message in its workspace, once (unique per workspace on wamid), with
 * its contact and conversation, following docs/ARCHITECTURE.md "Messages: how each kind is
 * stored". Notifies the workspace when something changed; the events go out on commit.
 */
export async function storeInboundMessage(tx: TenantTx, input: InboundMessage): Promise<InboundResult> {
  const { tenantId, businessNumberId, message, profile } = input;
  // A redelivery stops here without touching contacts or conversations. Two copies racing
  // past this check are still stored once: the unique key on wamid decides, below.
  const [known] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.wamid, message.id)));
  if (known) return { stored: false };

  const sentAt = input.sentAt ?? timestampToDate(message.timestamp);
  const newNumber =
    message.type === "system" && message.system?.type === "user_changed_number" && message.from && message.system.wa_id
      ? message.system.wa_id
      : null;
  const contactId = newNumber
    ? await contactChangingNumber(tx, tenantId, message.from!, newNumber)
    : await upsertSender(tx, tenantId, {
        waId: message.from ?? profile?.wa_id,
        userId: message.from_user_id ?? profile?.user_id,
        profileName: profile?.profile?.name,
      });
  const conversation = await findOrCreateConversation(tx, { tenantId, businessNumberId, contactId, at: sentAt });

  const [row] = await tx
    .insert(messages)
    .values({
      tenantId,
      conversationId: conversation.id,
      direction: "inbound",
      wamid: message.id,
      type: message.type,
      text: summaryToStore(message),
      payload: message,
      sentAt,
      replyToWamid: referencedWamid(message),
    })
    .onConflictDoNothing({ target: [messages.tenantId, messages.wamid] })
    .returning({ id: messages.id });
  if (!row) return { stored: false };

  const customerMessage = isCustomerMessage(message.type);
  if (customerMessage) await recordCustomerMessage(tx, tenantId, conversation.id, sentAt);
  if (newNumber) await changeContactNumber(tx, tenantId, contactId, newNumber);

  const created = { tenantId, type: "message.created", conversationId: conversation.id, messageId: row.id } as const;
  if (customerMessage || conversation.created) {
    await notifyWorkspace(tx, created, { tenantId, type: "conversation.updated", conversationId: conversation.id });
  } else {
    await notifyWorkspace(tx, created);
  }
  return { stored: true, messageId: row.id, conversationId: conversation.id };
}
