import type { WhatsAppMessage } from "./payload";

/** The message this one replies or reacts to. */
export function referencedWamid(message: WhatsAppMessage): string | null {
  if (message.type === "reaction") return message.reaction?.message_id ?? null;
  return message.context?.id ?? null;
}
