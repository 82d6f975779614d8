import { z } from "zod";

/**
 * The shape of a WhatsApp Cloud API webhook delivery, as far as we rely on it. Objects are
 * loose: Meta adds fields over time, and a message's payload is kept exactly as sent, so
 * nothing unknown may be stripped. Only what routing and storage need is required.
 */

export const whatsappObject = "whatsapp_business_account";
export const messagesField = "messages";

/** Unix seconds, as a string of digits (Meta never sends a number here). */
const unixSeconds = z.string().regex(/^\d{1,12}$/, "expected Unix seconds as a string of digits");

const errorSchema = z.looseObject({
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
  id: z.string().min(1),
  timestamp: unixSeconds,
  type: z.string().min(1),
  /** The customer's number; absent for username-only users, who have `from_user_id`. */
  from: z.string().min(1).optional(),
  from_user_id: z.string().min(1).optional(),
  context: z.looseObject({ id: z.string().optional(), from: z.string().optional() }).optional(),
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
  reaction: z.looseObject({ message_id: z.string().min(1), emoji: z.string().optional() }).optional(),
  system: z
    .looseObject({ body: z.string().optional(), type: z.string().optional(), wa_id: z.string().optional() })
    .optional(),
  order: z.looseObject({ product_items: z.array(z.unknown()).optional() }).optional(),
  referral: z.looseObject({}).optional(),
  errors: z.array(errorSchema).optional(),
});

export const statusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  errors: z.array(errorSchema).optional(),
});

export const profileSchema = z.looseObject({
  wa_id: z.string().min(1).optional(),
  user_id: z.string().min(1).optional(),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
});

export const messagesValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({
    display_phone_number: z.string().optional(),
    phone_number_id: z.string().min(1),
  }),
  contacts: z.array(profileSchema).optional(),
  messages: z.array(messageSchema).optional(),
  statuses: z.array(statusSchema).optional(),
  errors: z.array(errorSchema).optional(),
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
export type WhatsAppError = z.infer<typeof errorSchema>;

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
    json = JSON.parse(text);
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

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
