/**
 * The floor the webhook route is measured against: the same framework-free ingest
 * (`readBodyUpTo` + `receiveWhatsAppDelivery`, so the same signature check, storage and
 * processing) behind a bare node:http server. Whatever the Next.js server spends beyond
 * this is the framework's. Started by webhook.ts with the app's environment and PORT.
 */
import http from "node:http";
import { readBodyUpTo } from "@/lib/http/body";
import { maxDeliveryBytes, receiveWhatsAppDelivery } from "@/lib/webhook/whatsapp";
import { signatureHeaderName } from "@/lib/whatsapp/signature";

const port = Number(process.env.PORT);
const webhookPath = "/api/webhooks/whatsapp";

const server = http.createServer((request, response) => {
  const path = request.url?.split("?")[0];
  if (request.method === "GET" && path === "/health") {
    response.writeHead(200).end("ok");
    return;
  }
  if (request.method !== "POST" || path !== webhookPath) {
    response.writeHead(404).end();
    return;
  }
  void (async () => {
    const body = await readBodyUpTo(request, maxDeliveryBytes);
    const signature = request.headers[signatureHeaderName];
    const answer = await receiveWhatsAppDelivery(body, typeof signature === "string" ? signature : null);
    response
      .writeHead(answer.status, { "content-type": answer.contentType, "x-content-type-options": "nosniff" })
      .end(answer.body);
  })().catch((error: unknown) => {
    console.error(error);
    response.writeHead(500).end();
  });
});

server.listen(port, "127.0.0.1", () => console.log(`floor listening on 127.0.0.1:${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
