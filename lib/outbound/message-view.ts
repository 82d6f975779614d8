import type { Message } from "@/db/schema";
import { readDeliveryError } from "@/lib/messages/delivery-error";

/** What a route says about a stored outbound message: never its payload (the Graph request body). */
export type OutboundMessageView = {
  id: string;
  conversationId: string;
  status: Message["status"];
  wamid: string | null;
  text: string | null;
  sentAt: string;
  error: { reason: string; code: number | null } | null;
};

export function messageView(message: Message): OutboundMessageView {
  const error = message.error === null ? null : readDeliveryError(message.error);
  return {
    id: message.id,
    conversationId: message.conversationId,
    status: message.status,
    wamid: message.wamid,
    text: message.text,
    sentAt: message.sentAt.toISOString(),
    error: error ? { reason: error.reason, code: error.code } : null,
  };
}
