import type { WhatsAppMessage } from "@/lib/whatsapp/payload";
import { isSelfDescribing, messageLabel, namesOf, typeLabel } from "./labels";

/**
 * The line stored in `messages.text` for an inbound message: what it says (a body, a
 * caption, a file name, a place, a button's title), or its label when it says nothing,
 * so search finds "Photo" too. Null only for a removed reaction, which has nothing to show.
 */
export function summaryToStore(message: WhatsAppMessage): string | null {
  const label = messageLabel(message.type, message.audio?.voice === true);
  switch (message.type) {
    case "text":
      return message.text?.body ?? "";
    case "image":
      return message.image?.caption || label;
    case "video":
      return message.video?.caption || label;
    case "sticker":
    case "audio":
      return label;
    case "document":
      return message.document?.caption || message.document?.filename || label;
    case "location": {
      const place = [message.location?.name, message.location?.address].filter(Boolean).join(", ");
      if (place) return place;
      const { latitude, longitude } = message.location ?? {};
      return latitude !== undefined && longitude !== undefined ? `${label} ${latitude}, ${longitude}` : label;
    }
    case "contacts": {
      const names = (message.contacts ?? []).map((c) => c.name?.formatted_name || c.name?.first_name).filter(Boolean);
      return names.length > 0 ? `${label}: ${names.join(", ")}` : label;
    }
    case "interactive":
      return message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title ?? label;
    case "button":
      return message.button?.text ?? label;
    case "reaction":
      return message.reaction?.emoji || null;
    case "order": {
      const items = message.order?.product_items?.length ?? 0;
      return `${label} (${items} ${items === 1 ? "item" : "items"})`;
    }
    case "system":
      return message.system?.body ?? label;
    case "unsupported":
      return `${label}: WhatsApp did not deliver its content. Ask the customer to send it another way.`;
    default:
      return `${message.type} message`;
  }
}

/**
 * One readable line for a stored message: the conversation list's preview, a reply's
 * quote, a search hit. The stored text either already names its kind ("Photo", "Voice
 * message", "Contact: Luis Pérez", "Order (2 items)"), and is shown as it is, or is only
 * content ("Factura"), and gets the label in front ("Photo: Factura"). Rows stored before
 * this table read the same way, so none needs rewriting.
 */
export function previewOf(message: { type: string; text: string | null }): string {
  const text = message.text?.trim() || null;
  const label = typeLabel(message.type);
  if (!text) return label;
  if (isSelfDescribing(message.type) || namesItsKind(message.type, text)) return text;
  return `${label}: ${text}`;
}

function namesItsKind(type: string, text: string): boolean {
  return namesOf(type).some((name) => text === name || text.startsWith(`${name}:`) || text.startsWith(`${name} `));
}
