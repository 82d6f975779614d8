import type { WhatsAppMessage } from "./payload";

/**
 * A short, readable line for a message, for thread previews, search and notifications.
 * Null only for a removed reaction, which has nothing to show.
 */
export function summarizeMessage(message: WhatsAppMessage): string | null {
  switch (message.type) {
    case "text":
      return message.text?.body ?? "";
    case "image":
      return message.image?.caption || "Photo";
    case "video":
      return message.video?.caption || "Video";
    case "sticker":
      return "Sticker";
    case "audio":
      return message.audio?.voice ? "Voice message" : "Audio";
    case "document":
      return message.document?.caption || message.document?.filename || "Document";
    case "location": {
      const place = [message.location?.name, message.location?.address].filter(Boolean).join(", ");
      if (place) return place;
      const { latitude, longitude } = message.location ?? {};
      return latitude !== undefined && longitude !== undefined ? `Location ${latitude}, ${longitude}` : "Location";
    }
    case "contacts": {
      const names = (message.contacts ?? []).map((c) => c.name?.formatted_name || c.name?.first_name).filter(Boolean);
      return names.length > 0 ? `Contact: ${names.join(", ")}` : "Contact card";
    }
    case "interactive":
      return (
        message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title ?? "Interactive reply"
      );
    case "button":
      return message.button?.text ?? "Button reply";
    case "reaction":
      return message.reaction?.emoji || null;
    case "order": {
      const items = message.order?.product_items?.length ?? 0;
      return `Order (${items} ${items === 1 ? "item" : "items"})`;
    }
    case "system":
      return message.system?.body ?? "System message";
    case "unsupported":
      return "Unsupported message: WhatsApp did not deliver its content. Ask the customer to send it another way.";
    default:
      return `${message.type} message`;
  }
}

/** The message this one replies or reacts to. */
export function referencedWamid(message: WhatsAppMessage): string | null {
  if (message.type === "reaction") return message.reaction?.message_id ?? null;
  return message.context?.id ?? null;
}
