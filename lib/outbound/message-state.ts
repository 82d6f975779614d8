import type { Message } from "@/db/schema";

/**
 * How the thread reads an outbound message's state. No database or server imports, so
 * client components may use it too.
 */

/** What a `sandbox` message shows instead of ticks. */
export const sandboxStatusLabel = "Not sent (sandbox number)";

/**
 * A pending message this old was claimed by a process that died mid-send (a live one gives
 * up well within this: timeouts times attempts plus backoff), so it may be retried.
 */
export const stalePendingMs = 5 * 60 * 1000;

/** Whether the thread should offer "Retry" for this message. */
export function canRetry(message: Pick<Message, "direction" | "status" | "sentAt">, now: Date = new Date()): boolean {
  if (message.direction !== "outbound") return false;
  return message.status === "failed" || (message.status === "pending" && now.getTime() - message.sentAt.getTime() > stalePendingMs);
}
