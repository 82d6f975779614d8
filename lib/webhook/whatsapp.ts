import { env } from "@/lib/config/env";
import { withinDeadline } from "@/lib/deadline";
import { storeDelivery } from "@/lib/inbox/ingest/deliveries";
import { processStoredDelivery } from "@/lib/inbox/ingest/process-delivery";
import { log } from "@/lib/log";
import { checkSignature, verifyTokenMatches } from "@/lib/whatsapp/signature";

/**
 * Meta's webhook endpoint without a framework: bytes and headers in, an HTTP answer out.
 * The Next.js route adapts a Request to these; a bare node:http server can do the same.
 */
export type WebhookAnswer = { status: number; body: string; contentType: string };

/** Meta's documented maximum payload. */
export const maxDeliveryBytes = 3 * 1024 * 1024;

/**
 * How long a delivery waits on the database. Past it, storing counts as failed (503: Meta
 * sends it again, and a copy that did land is found by its hash), and processing is left to
 * the retry (200: the delivery is stored). The pool's connect timeout is 5 s. Tests pass
 * shorter ones; every caller in production uses these.
 */
export type WebhookDeadlines = { storeMs: number; processMs: number };
const defaultDeadlines: WebhookDeadlines = { storeMs: 10_000, processMs: 10_000 };

const plain = "text/plain; charset=utf-8";
const answer = (status: number, body: string): WebhookAnswer => ({ status, body, contentType: plain });

/**
 * POST: size, then signature over the exact bytes, before anything is written; then the
 * delivery is stored, and only a stored delivery is answered 200. Processing happens before
 * the answer too, but a processing failure is kept for the retry and still answered 200:
 * Meta sending it again would not help, the stored copy will.
 */
export async function receiveWhatsAppDelivery(
  body: Uint8Array,
  signatureHeader: string | null,
  deadlines: WebhookDeadlines = defaultDeadlines,
): Promise<WebhookAnswer> {
  if (body.byteLength > maxDeliveryBytes) {
    log.warn("webhook_rejected", { reason: "payload_too_large", bytes: body.byteLength });
    return answer(413, "Payload too large: a webhook delivery is at most 3 MB.");
  }
  const signature = checkSignature(body, signatureHeader, env().WHATSAPP_APP_SECRET);
  if (signature !== "valid") {
    log.warn("webhook_rejected", { reason: `signature_${signature}`, bytes: body.byteLength });
    return answer(401, "Missing or invalid X-Hub-Signature-256: the body must be signed with the app secret.");
  }

  let delivery;
  try {
    delivery = await withinDeadline(storeDelivery(body), deadlines.storeMs, "storing the delivery");
  } catch (error) {
    log.error("webhook_store_failed", { error });
    return answer(503, "The delivery could not be stored; retry later.");
  }
  if (delivery.state === "received" || delivery.state === "failed") {
    try {
      await withinDeadline(processStoredDelivery(delivery), deadlines.processMs, "processing the delivery");
    } catch (error) {
      // Stored but not marked (the database went away mid-way, or is too slow): the retry picks it up.
      log.error("webhook_process_failed", { deliveryId: delivery.id, error });
    }
  } else if (delivery.state === "ignored" && delivery.isNew) {
    log.warn("webhook_delivery_ignored", { deliveryId: delivery.id, reason: "body is not UTF-8 text" });
  }
  // Meta reads only the status. An empty body lets Next.js write the answer in one piece
  // instead of streaming a body (docs/PERFORMANCE.md, "Webhook ingest").
  return answer(200, "");
}

/** GET: Meta's subscription handshake. The challenge is echoed only for our verify token. */
export function answerVerification(query: URLSearchParams): WebhookAnswer {
  const mode = query.get("hub.mode");
  const token = query.get("hub.verify_token") ?? "";
  const challenge = query.get("hub.challenge");
  const valid = mode === "subscribe" && verifyTokenMatches(token, env().WHATSAPP_VERIFY_TOKEN) && !!challenge;
  if (!valid) {
    log.warn("webhook_verification_rejected", {
      reason: mode !== "subscribe" ? "mode_not_subscribe" : !challenge ? "challenge_missing" : "verify_token_mismatch",
    });
    return answer(403, "Verification failed: hub.verify_token does not match WHATSAPP_VERIFY_TOKEN.");
  }
  return answer(200, challenge);
}
