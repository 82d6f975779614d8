import { messageLabel } from "./labels";

/**
 * What the browser needs to draw one message, built on the server from the stored row:
 * the raw payload (Meta's message object, or the Graph request body we sent) stays here.
 * Media is fetched by message id, so no Meta media id leaves the server either.
 */
export type MessageView = {
  /** What this kind of message is called: the bubble's heading, the start of its preview. */
  label: string;
  /** The words to show: a text's body, a reply's title, a notice. */
  text: string | null;
  media: { filename: string | null; mimeType: string | null; caption: string | null } | null;
  location: { name: string | null; address: string | null; latitude: number | null; longitude: number | null } | null;
  contacts: { name: string | null; phones: { number: string; type: string | null }[] }[] | null;
  /** The ad a customer came from; `url` only when it is an http(s) address. */
  referral: { headline: string | null; body: string | null; url: string | null } | null;
};

const mediaTypes = new Set(["image", "video", "audio", "document", "sticker"]);

/** Reads the payload defensively: it is whatever arrived (or whatever we sent). */
export function messageView(message: { type: string; text: string | null; payload: unknown }): MessageView {
  const payload = record(message.payload);
  const part = record(payload[message.type]);
  const referral = record(payload.referral);
  return {
    label: messageLabel(message.type, part.voice === true),
    text: message.type === "text" ? (message.text ?? str(part.body)) : message.text,
    media: mediaTypes.has(message.type)
      ? { filename: str(part.filename), mimeType: str(part.mime_type), caption: str(part.caption) }
      : null,
    location:
      message.type === "location"
        ? { name: str(part.name), address: str(part.address), latitude: num(part.latitude), longitude: num(part.longitude) }
        : null,
    contacts: message.type === "contacts" ? list(payload.contacts).map(contactCard) : null,
    referral:
      Object.keys(referral).length > 0
        ? { headline: str(referral.headline), body: str(referral.body), url: webAddress(referral.source_url) }
        : null,
  };
}

function contactCard(card: Record<string, unknown>): NonNullable<MessageView["contacts"]>[number] {
  return {
    name: str(record(card.name).formatted_name),
    phones: list(card.phones).flatMap((p) => {
      const number = str(p.phone) ?? str(p.wa_id);
      return number ? [{ number, type: str(p.type) }] : [];
    }),
  };
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(record) : [];
}

function str(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value : null;
}

function num(value: unknown): number | null {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

/** An absolute http(s) address, or null: a payload's URL must never become a `javascript:` or `data:` link. */
function webAddress(value: unknown): string | null {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
