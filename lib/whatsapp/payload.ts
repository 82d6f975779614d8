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

/** The envelope; each change's `value` is parsed by its `field`, since other fields have other shapes. */
export const deliverySchema = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

export type WhatsAppDelivery = z.infer<typeof deliverySchema>;
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

export type MessagesChange = { phoneNumberId: string; value: MessagesValue };

export type ParsedDelivery =
  | { ok: true; changes: MessagesChange[]; skipped: string[] }
  | { ok: false; reason: string };

/**
 * Every `entry` × `changes` of a delivery, in order. Changes of a field we do not handle,
 * or whose value does not have the expected shape, are listed in `skipped` (with where
 * they were) instead of failing the rest of the batch.
 */
export function parseDelivery(text: string): ParsedDelivery {
  let json: unknown;
  try {
    // NUL and lone surrogates can only arrive as \u escapes (the raw bytes are refused as
    // not UTF-8 text); Postgres stores neither in text or jsonb, so they become U+FFFD.
    json = text.includes("\\u") ? JSON.parse(text, storable) : JSON.parse(text);
  } catch {
    return { ok: false, reason: "body is not valid JSON" };
  }
  const envelope = deliverySchema.safeParse(json);
  if (!envelope.success) return { ok: false, reason: `not a webhook delivery: ${describeIssues(envelope.error)}` };
  if (envelope.data.object !== whatsappObject) {
    return { ok: false, reason: `object "${envelope.data.object}" is not handled` };
  }
  const changes: MessagesChange[] = [];
  const skipped: string[] = [];
  envelope.data.entry.forEach((entry, e) =>
    entry.changes.forEach((change, c) => {
      const where = `entry[${e}].changes[${c}]`;
      if (change.field !== messagesField) {
        skipped.push(`${where}: field "${change.field}" is not handled`);
        return;
      }
      const value = messagesValueSchema.safeParse(change.value);
      if (!value.success) skipped.push(`${where}: ${describeIssues(value.error)}`);
      else changes.push({ phoneNumberId: value.data.metadata.phone_number_id, value: value.data });
    }),
  );
  return { ok: true, changes, skipped };
}

const unstorable = /\u0000/g;
const storableText = (value: string) => value.toWellFormed().replace(unstorable, "\ufffd");

function storable(_key: string, value: unknown): unknown {
  if (typeof value === "string") return storableText(value);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.some((key) => storableText(key) !== key)) {
      return Object.fromEntries(keys.map((key) => [storableText(key), (value as Record<string, unknown>)[key]]));
    }
  }
  return value;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
