import { randomUUID } from "node:crypto";
import http from "node:http";
import { log, withLogContext } from "@/lib/log";
import { clientAddress, clientAddressHeader } from "@/lib/http/client-address";

export type RequestHandler = (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>;

/**
 * The HTTP server in front of Next.js: it records who is asking in `clientAddressHeader`,
 * from the socket and the declared proxies (see `clientAddress`), replacing any value the
 * client sent, then hands the request to `handle`. Every line logged while a request is handled
 * carries its `requestId`, which the answer's `X-Request-Id` header gives the person asking. Next.js itself fills `X-Forwarded-For`
 * from the socket only when the client sent none, so the app cannot take that header's word.
 */
export function createAppServer(handle: RequestHandler, trustedProxyHops: number): http.Server {
  return http.createServer((request, response) => {
    if (!decodablePath(request.url)) {
      response.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      response.end("This address is malformed (broken %-encoding). Check the link and try again.\n");
      return;
    }
    request.headers[clientAddressHeader] = clientAddress(request.socket.remoteAddress, request.headers["x-forwarded-for"], trustedProxyHops);
    const requestId = randomUUID();
    response.setHeader("x-request-id", requestId);
    void withLogContext({ requestId }, () =>
      handle(request, response).catch((error: unknown) => {
        log.error("request_failed", { error, path: request.url?.split("?")[0] });
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
        response.end();
      }),
    );
  });
}

/**
 * Next.js answers a path whose percent-encoding does not decode (`/w/%E0%A4%A/inbox`) with a
 * 500 before any of our code runs (vercel/next.js#92557), so the entry refuses it first.
 */
export function decodablePath(url: string | undefined): boolean {
  const path = (url ?? "/").split("?")[0]!;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}
