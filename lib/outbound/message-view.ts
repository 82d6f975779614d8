import type { Message } from "@/db/schema";
import { deliveryErrorSchema } from "./failures";

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
  const error = deliveryErrorSchema.safeParse(message.error).data;
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
