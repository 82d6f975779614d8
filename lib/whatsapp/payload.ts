import { z } from "zod";

/**
 * The shape of a WhatsApp Cloud API webhook delivery, as far as we rely on it. Objects are
 * loose: Meta adds fields over time, and a message's payload is kept exactly as sent, so
 * nothing unknown may be stripped. Only what routing and storage need is required.
 */

export const whatsappObject = "whatsapp_business_account";
export const messagesField = "messages";

/**
 * An id Meta assigns (wamid, phone number id, wa_id…). Meta's are well under 256 characters;
 * ours become unique keys, and Postgres cannot index a value of several kilobytes.
 */
const metaId = z.string().min(1).max(256);

/** Unix seconds, as a string of digits (Meta never sends a number here). */
const unixSeconds = z.string().regex(/^\d{1,12}$/, "expected Unix seconds as a string of digits");

/** Meta's error object, as webhooks carry it (a `failed` status's `errors`, a message's, a value's). */
export const metaErrorSchema = z.looseObject({
  code: z.number().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
  href: z.string().optional(),
});

const mediaSchema = z.looseObject({
  id: z.string().optional(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
});

const contactCardSchema = z.looseObject({
  name: z.looseObject({ formatted_name: z.string().optional(), first_name: z.string().optional() }).optional(),
});

export const messageSchema = z.looseObject({
  id: metaId,
  timestamp: unixSeconds,
  type: metaId,
  /** The customer's number; absent for username-only users, who have `from_user_id`. */
  from: metaId.optional(),
  from_user_id: metaId.optional(),
  context: z.looseObject({ id: metaId.optional(), from: z.string().optional() }).optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: mediaSchema.optional(),
  video: mediaSchema.optional(),
  audio: mediaSchema.optional(),
  document: mediaSchema.optional(),
  sticker: mediaSchema.optional(),
  location: z
    .looseObject({
      latitude: z.number().optional(),
      longitude: z.number().optional(),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .optional(),
  contacts: z.array(contactCardSchema).optional(),
  interactive: z
    .looseObject({
      type: z.string().optional(),
      button_reply: z.looseObject({ id: z.string().optional(), title: z.string().optional() }).optional(),
      list_reply: z.looseObject({ id: z.string().optional(), title: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  reaction: z.looseObject({ message_id: metaId, emoji: z.string().optional() }).optional(),
  system: z
    .looseObject({
      body: z.string().optional(),
      type: z.string().optional(),
      /** user_changed_number: the new phone number. */
      wa_id: metaId.optional(),
      /** The user's new business-scoped user id (a number change issues one too). */
      user_id: metaId.optional(),
      previous_user_id: metaId.optional(),
    })
    .optional(),
  order: z.looseObject({ product_items: z.array(z.unknown()).optional() }).optional(),
  referral: z.looseObject({}).optional(),
  errors: z.array(metaErrorSchema).optional(),
});

export const statusSchema = z.looseObject({
  id: metaId,
  status: metaId,
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  errors: z.array(metaErrorSchema).optional(),
});

export const profileSchema = z.looseObject({
  wa_id: metaId.optional(),
  user_id: metaId.optional(),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
});

export const messagesValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({
    display_phone_number: z.string().optional(),
    phone_number_id: metaId,
  }),
  contacts: z.array(profileSchema).optional(),
  messages: z.array(messageSchema).optional(),
  statuses: z.array(statusSchema).optional(),
  errors: z.array(metaErrorSchema).optional(),
});

export type MessagesValue = z.infer<typeof messagesValueSchema>;
export type WhatsAppMessage = z.infer<typeof messageSchema>;
export type WhatsAppStatus = z.infer<typeof statusSchema>;
export type WhatsAppProfile = z.infer<typeof profileSchema>;
export type MetaError = z.infer<typeof metaErrorSchema>;

export function timestampToDate(seconds: string): Date {
  return new Date(Number(seconds) * 1000);
}

/** The value.contacts entry describing the sender of a message, if Meta sent one. */
export function senderProfile(value: MessagesValue, message: WhatsAppMessage): WhatsAppProfile | undefined {
  const profiles = value.contacts ?? [];
  return profiles.find(
    (p) => (message.from && p.wa_id === message.from) || (message.from_user_id && p.user_id === message.from_user_id),
  );
}
