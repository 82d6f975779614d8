import type { Message } from "@/db/schema";
import { readDeliveryError } from "@/lib/messages/delivery-error";
import { metaCodes } from "@/lib/whatsapp/graph/errors";

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

/**
 * A stored message: 200 unless Meta refused it (409 for the closed window, like our own
 * refusal; 422 for Meta's other refusals) or could not be asked (502). The failed message
 * is in the body too, so the composer can offer Retry on it.
 */
export function messageResponse(message: Message): Response {
  const view = messageView(message);
  if (view.status !== "failed" || !view.error) return Response.json({ message: view });
  const status = view.error.code === metaCodes.reEngagementWindowClosed ? 409 : view.error.code !== null ? 422 : 502;
  return Response.json({ error: view.error.reason, message: view }, { status });
}
