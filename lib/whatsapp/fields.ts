import { z } from "zod";
import { messageSchema } from "./payload";

/**
 * The values of the webhook fields other than `messages`, as far as we rely on them, checked
 * against Meta's webhook references (cited in docs/ARCHITECTURE.md "Other webhook fields").
 * Loose objects: Meta adds members over time. Enumerations stay plain strings, because Meta
 * adds values too (a new template event must not make the item unreadable).
 */

const text = z.string().min(1).max(1024);
/** Meta sends ids as JSON numbers in some fields (`message_template_id`): kept as their digits. */
const numericId = z.union([z.string().regex(/^\d{1,32}$/), z.number().int().nonnegative()]).transform(String);
/** Unix seconds, as a number or a string of digits. */
const unixSeconds = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,12}$/).transform(Number)]);

export const templateStatusValueSchema = z.looseObject({
  event: text,
  message_template_id: numericId.optional(),
  message_template_name: text,
  message_template_language: text,
  message_template_category: text.optional(),
  reason: z.string().max(1024).nullish(),
  other_info: z.looseObject({ title: z.string().max(256).optional(), description: z.string().max(2048).optional() }).optional(),
  disable_info: z.looseObject({ disable_date: unixSeconds.optional() }).optional(),
  rejection_info: z.looseObject({ reason: z.string().max(2048).optional(), recommendation: z.string().max(2048).optional() }).optional(),
});
export type TemplateStatusValue = z.infer<typeof templateStatusValueSchema>;

export const templateQualityValueSchema = z.looseObject({
  previous_quality_score: z.string().max(64).optional(),
  new_quality_score: text,
  message_template_id: numericId.optional(),
  message_template_name: text,
  message_template_language: text,
});
export type TemplateQualityValue = z.infer<typeof templateQualityValueSchema>;

/** One element of `user_preferences` (the pipeline gives each its own item). */
const userPreferenceSchema = z.looseObject({
  wa_id: text.optional(),
  user_id: text.optional(),
  detail: z.string().max(1024).optional(),
  category: text,
  value: text,
  timestamp: unixSeconds.optional(),
});
export const userPreferencesValueSchema = z.looseObject({
  contacts: z.array(z.looseObject({ wa_id: z.string().optional(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
  user_preferences: z.tuple([userPreferenceSchema]),
});
export type UserPreference = z.infer<typeof userPreferenceSchema>;

export const numberQualityValueSchema = z.looseObject({
  display_phone_number: text,
  event: text,
  current_limit: z.string().max(64).optional(),
  old_limit: z.string().max(64).optional(),
});
export type NumberQualityValue = z.infer<typeof numberQualityValueSchema>;

/** Meta documents `expiration` as Unix seconds; some senders relay an ISO 8601 string. */
const expiration = z.union([unixSeconds.transform((s) => new Date(s * 1000)), z.iso.datetime({ offset: true }).transform((s) => new Date(s))]);
const offsetWithoutColon = /^(.*[+-]\d{2})(\d{2})$/;

export const accountUpdateValueSchema = z.looseObject({
  event: text,
  phone_number: z.string().max(64).optional(),
  restriction_info: z
    .array(
      z.looseObject({
        restriction_type: text,
        // Meta's Graph format writes the offset as +0000, which ISO 8601 parsers want as +00:00.
        expiration: z.preprocess((v) => (typeof v === "string" ? v.replace(offsetWithoutColon, "$1:$2") : v), expiration).optional(),
      }),
    )
    .optional(),
  violation_info: z.looseObject({ violation_type: z.string().max(256).optional() }).optional(),
  ban_info: z.looseObject({ waba_ban_state: z.string().max(256).optional(), waba_ban_date: z.string().max(64).optional() }).optional(),
});
export type AccountUpdateValue = z.infer<typeof accountUpdateValueSchema>;

export const accountAlertsValueSchema = z.looseObject({
  entity_type: z.string().max(64).optional(),
  entity_id: z.union([z.string().max(256), z.number()]).transform(String).optional(),
  alert_info: z.looseObject({
    alert_severity: z.string().max(64).optional(),
    alert_status: z.string().max(64).optional(),
    alert_type: text,
    alert_description: z.string().max(2048).optional(),
  }),
});
export type AccountAlertsValue = z.infer<typeof accountAlertsValueSchema>;

/** A message typed in the WhatsApp Business app: a message whose `to` is the customer. */
export const messageEchoSchema = messageSchema.extend({
  from: z.string().min(1).max(256),
  to: z.string().min(1).max(256).optional(),
  to_user_id: z.string().min(1).max(256).optional(),
});
export type MessageEcho = z.infer<typeof messageEchoSchema>;

export const messageEchoesValueSchema = z.looseObject({ message_echoes: z.tuple([messageEchoSchema]) });
