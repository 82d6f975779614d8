/**
 * WhatsApp's customer service window: free-form messages may be sent for 24 hours after the
 * customer's last message; after that only an approved template may open the conversation.
 */
export const replyWindowMs = 24 * 60 * 60 * 1000;

export type ReplyWindow =
  | { open: true; closesAt: Date }
  /** `closedAt` is null when the customer never wrote (the business spoke first). */
  | { open: false; closedAt: Date | null };

export function replyWindow(conversation: { lastInboundAt: Date | null }, now: Date = new Date()): ReplyWindow {
  if (!conversation.lastInboundAt) return { open: false, closedAt: null };
  const closesAt = new Date(conversation.lastInboundAt.getTime() + replyWindowMs);
  return closesAt.getTime() > now.getTime() ? { open: true, closesAt } : { open: false, closedAt: closesAt };
}
