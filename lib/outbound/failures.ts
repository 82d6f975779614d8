import { z } from "zod";
import { GraphError, metaCodes } from "@/lib/whatsapp/graph/errors";

/**
 * What `messages.error` holds for a failed outbound message: `reason` is the sentence the
 * thread shows; code/title/details are Meta's, kept for support.
 */
export const deliveryErrorSchema = z.object({
  reason: z.string(),
  code: z.number().int().nullable(),
  title: z.string().nullable(),
  details: z.string().nullable(),
});

export type DeliveryError = z.infer<typeof deliveryErrorSchema>;

export const windowClosedReason = "More than 24 hours since the customer's last message — send a template";
export const tokenExpiredReason = "This number's access token has expired — an admin must update it in Settings";
export const numberRemovedReason =
  "This conversation's WhatsApp number was removed from the workspace, so it can no longer send messages.";
export const tokenUnreadableReason =
  "This number's access token can no longer be read (the server's encryption key changed) — an admin must enter it again in Settings";

/**
 * Meta's error in words a person understands. Also for the webhook's `failed` statuses,
 * which carry the same codes (`errors[0].code`, `title`, `error_data.details`).
 */
export function describeMetaError(error: { code: number | null; title: string | null; details: string | null }): DeliveryError {
  const base = { code: error.code, title: error.title, details: error.details };
  if (error.code === metaCodes.reEngagementWindowClosed) return { ...base, reason: windowClosedReason };
  if (error.code === metaCodes.accessTokenExpired) return { ...base, reason: tokenExpiredReason };
  const title = error.title ?? (error.code !== null ? `WhatsApp error ${error.code}` : "WhatsApp refused the message");
  return { ...base, reason: error.details && error.details !== title ? `${title} — ${error.details}` : title };
}

export function deliveryErrorFromGraph(error: GraphError): DeliveryError {
  const base = { code: error.code, title: error.title, details: error.details };
  switch (error.kind) {
    case "api":
      return describeMetaError(base);
    case "timeout":
      return {
        ...base,
        reason: "WhatsApp did not answer in time, so this message may or may not have reached the customer — retry only if they did not get it",
      };
    case "network":
      return { ...base, reason: "Could not reach WhatsApp — check the server's internet connection, then retry" };
    case "invalid_response":
      return {
        ...base,
        reason: "WhatsApp answered in a form Switchboard does not understand, so this message may have been sent — retry only if the customer did not get it",
      };
  }
}

const reportedErrorSchema = z.object({
  code: z.number().int().nullish(),
  title: z.string().nullish(),
  message: z.string().nullish(),
  details: z.string().nullish(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});

/**
 * The reason a failed message shows, from whatever `messages.error` holds: the send's own
 * DeliveryError (already in words), or Meta's error as a `failed` status webhook reported
 * it (lib/inbox/ingest/statuses.ts, or Meta's `errors` array as it came), described the
 * same way a refused send is, so 131047 reads the same whichever way it arrived.
 */
export function storedFailure(stored: unknown): { code: number | null; reason: string } {
  const own = deliveryErrorSchema.safeParse(stored);
  if (own.success) return { code: own.data.code, reason: own.data.reason };
  const reported = reportedErrorSchema.safeParse(Array.isArray(stored) ? stored[0] : stored);
  if (!reported.success) return { code: null, reason: "WhatsApp could not deliver this message." };
  const e = reported.data;
  const described = describeMetaError({
    code: e.code ?? null,
    title: e.title ?? e.message ?? null,
    details: e.details ?? e.error_data?.details ?? null,
  });
  return { code: described.code, reason: described.reason };
}
