import { readBodyUpTo } from "@/lib/http/body";
import { answerVerification, maxDeliveryBytes, receiveWhatsAppDelivery, type WebhookAnswer } from "@/lib/ingest/receive";
import { signatureHeaderName } from "@/lib/whatsapp/signature";

export const dynamic = "force-dynamic";

function respond(answer: WebhookAnswer): Response {
  return new Response(answer.body === "" ? null : answer.body, {
    status: answer.status,
    headers: { "content-type": answer.contentType, "x-content-type-options": "nosniff" },
  });
}

export async function GET(request: Request) {
  return respond(answerVerification(new URL(request.url).searchParams));
}

export async function POST(request: Request) {
  const body = await readBodyUpTo(request.body, maxDeliveryBytes);
  return respond(await receiveWhatsAppDelivery(body, request.headers.get(signatureHeaderName)));
}
