import { z } from "zod";
import { metaCodes } from "@/lib/whatsapp/graph/errors";
import { metaErrorSchema, statusSchema, type MetaError } from "@/lib/whatsapp/payload";

/**
 * What `messages.error` holds for a failed outbound message, however it failed: `reason`
 * is the sentence the thread shows; code, title, message and details are Meta's, kept for
 * support (null when the failure was ours, or Meta did not say).
 */
export const deliveryErrorSchema = z.object({
  reason: z.string(),
  code: z.number().int().nullable(),
  title: z.string().nullable(),
  // Rows a refused send stored before Meta's message was kept have none.
  message: z.string().nullable().default(null),
  details: z.string().nullable(),
});

export type DeliveryError = z.output<typeof deliveryErrorSchema>;

export const windowClosedReason = "More than 24 hours since the customer's last message — send a template";
export const tokenExpiredReason = "This number's access token has expired — an admin must update it in Settings";

/**
 * Meta's error in words a person understands, whether a send was refused or a `failed`
 * status reported it, so 131047 reads the same whichever way it arrived.
 */
export function describeMetaError(error: {
  code: number | null;
  title: string | null;
  message?: string | null;
  details: string | null;
}): DeliveryError {
  const base = { code: error.code, title: error.title, message: error.message ?? null, details: error.details };
  if (error.code === metaCodes.reEngagementWindowClosed) return { ...base, reason: windowClosedReason };
  if (error.code === metaCodes.accessTokenExpired) return { ...base, reason: tokenExpiredReason };
  const title = error.title ?? error.message ?? (error.code !== null ? `WhatsApp error ${error.code}` : "WhatsApp refused the message");
  return { ...base, reason: error.details && error.details !== title ? `${title} — ${error.details}` : title };
}

/** A `failed` status's error (the first of Meta's `errors`), described. */
export function deliveryErrorFromMeta(error: MetaError | undefined): DeliveryError {
  return describeMetaError({
    code: error?.code ?? null,
    title: error?.title ?? null,
    message: error?.message ?? null,
    details: error?.error_data?.details ?? null,
  });
}

// Only the errors are read: a status whose other fields are odd still says why it failed.
const statusErrorsSchema = statusSchema.pick({ errors: true });

/** The error of a `failed` status, from the status as Meta sent it (kept in message_statuses). */
export function deliveryErrorFromStatus(status: unknown): DeliveryError {
  return deliveryErrorFromMeta(statusErrorsSchema.safeParse(status).data?.errors?.[0]);
}

/** What the status webhook stored before the one shape: Meta's fields, no reason. */
const fieldsWithoutReasonSchema = z.object({
  code: z.number().int().nullable(),
  title: z.string().nullable(),
  message: z.string().nullable(),
  details: z.string().nullable(),
});

const unknownFailure: DeliveryError = {
  reason: "WhatsApp could not deliver this message.",
  code: null,
  title: null,
  message: null,
  details: null,
};

/**
 * A stored `messages.error` in the one shape, whatever shape its row was written in: the
 * one shape, Meta's fields without a reason (status webhooks before this module), or
 * Meta's `errors` array as it came. Read, not rewritten: old rows need no migration.
 */
export function readDeliveryError(stored: unknown): DeliveryError {
  const own = deliveryErrorSchema.safeParse(stored);
  if (own.success) return own.data;
  const fields = fieldsWithoutReasonSchema.safeParse(stored);
  if (fields.success) return describeMetaError(fields.data);
  const meta = metaErrorSchema.safeParse(Array.isArray(stored) ? stored[0] : stored);
  return meta.success ? deliveryErrorFromMeta(meta.data) : unknownFailure;
}
