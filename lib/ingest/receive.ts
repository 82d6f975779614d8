import { db } from "@/db/client";
import { env } from "@/lib/config/env";
import { withinDeadline } from "@/lib/deadline";
import { log } from "@/lib/log";
import { checkSignature, verifyTokenMatches } from "@/lib/whatsapp/signature";
import { countAnswer } from "./answers-first";
import { storeDelivery } from "./deliveries";

/**
 * Meta's webhook endpoint without a framework: bytes and headers in, an HTTP answer out.
 * The Next.js route adapts a Request to these; a bare node:http server can do the same.
 */
export type WebhookAnswer = { status: number; body: string; contentType: string };

/** Meta's documented maximum payload. */
export const maxDeliveryBytes = 3 * 1024 * 1024;

/**
 * How long storing a delivery may take. Past it, storing counts as failed (503: Meta sends it
 * again, and a copy that did land is found by its hash). The pool's connect timeout is 5 s.
 * Tests pass a shorter one; every caller in production uses this.
 */
export type WebhookDeadlines = { storeMs: number };
const defaultDeadlines: WebhookDeadlines = { storeMs: 10_000 };

const plain = "text/plain; charset=utf-8";
const answer = (status: number, body: string): WebhookAnswer => ({ status, body, contentType: plain });

/**
 * POST: size, then signature over the exact bytes, before anything is written; then one
 * statement stores the delivery and wakes the processor (lib/ingest/deliveries.ts), and only
 * a stored delivery is answered 200. Nothing is parsed here: splitting, routing and applying
 * happen off the request (lib/ingest/jobs.ts), so one bad item can fail nothing but itself.
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
  try {
    const stored = await withinDeadline(countAnswer(storeDelivery(db(), body)), deadlines.storeMs, "storing the delivery");
    if (!stored.text && stored.isNew) log.warn("webhook_delivery_ignored", { deliveryId: stored.id, reason: "body is not UTF-8 text" });
  } catch (error) {
    log.error("webhook_store_failed", { error });
    return answer(503, "The delivery could not be stored; retry later.");
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
