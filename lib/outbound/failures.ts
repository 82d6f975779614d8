import { describeMetaError, tokenExpiredReason, windowClosedReason, type DeliveryError } from "@/lib/messages/delivery-error";
import type { GraphError } from "@/lib/whatsapp/graph/errors";

// The reasons Meta's codes name live with the one DeliveryError shape; sending code and its
// tests name them from here, beside the reasons only sending gives.
export { describeMetaError, tokenExpiredReason, windowClosedReason, type DeliveryError };

export const numberRemovedReason =
  "This conversation's WhatsApp number was removed from the workspace, so it can no longer send messages.";
export const tokenUnreadableReason =
  "This number's access token can no longer be read (the server's encryption key changed) — an admin must enter it again in Settings";

/** A Graph call that failed, in words for the thread. */
export function deliveryErrorFromGraph(error: GraphError): DeliveryError {
  const base = { code: error.code, title: error.title, message: null, details: error.details };
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
