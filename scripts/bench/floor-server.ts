/**
 * The floor the webhook route is measured against: the same framework-free ingest
 * (`readBodyUpTo` + `receiveWhatsAppDelivery`, so the same signature check, storage and
 * processing) behind a bare node:http server. Whatever the Next.js server spends beyond
 * this is the framework's. Started by webhook.ts with the app's environment and PORT.
 *
 * FLOOR_ASYNC_CONTEXT=1 (`bench:webhook --floor-async-context`) runs every request inside
 * AsyncLocalStorage.run(), as Next.js runs its requests: on Node 20 that installs promise
 * hooks for every promise of the process, so the floor then pays what the context costs
 * the same ingest inside Next.js.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import { readBodyUpTo } from "@/lib/http/body";
import { maxDeliveryBytes, receiveWhatsAppDelivery } from "@/lib/ingest/receive";
import { signatureHeaderName } from "@/lib/whatsapp/signature";

const port = Number(process.env.PORT);
const webhookPath = "/api/webhooks/whatsapp";
const requestContext = process.env.FLOOR_ASYNC_CONTEXT === "1" ? new AsyncLocalStorage<{ path: string | undefined }>() : null;

const server = http.createServer((request, response) =>
  requestContext ? requestContext.run({ path: request.url }, () => handle(request, response)) : handle(request, response),
);

function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
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
}

server.listen(port, "127.0.0.1", () => console.log(`floor listening on 127.0.0.1:${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
