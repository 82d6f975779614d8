import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { fixtureJson, fixtureNames } from "../fixtures";
import { createGraphClient, type GraphClientOptions } from "./client";

/**
 * A stand-in for Meta's Graph API in tests: a real HTTP server on 127.0.0.1 (ephemeral
 * port) answering from `lib/whatsapp/fixtures/graph/`. Each route answers its default
 * unless a test queued replies for it; every request is recorded, Authorization header
 * included, so a test can count calls and check what was sent.
 *
 *   const graph = await startFakeGraph();
 *   graph.queue("messages", reply.fixture("error-130429-rate-limit-400")); // then the default success
 *   const client = graph.client();
 *   …
 *   await graph.close();
 *
 * Replies queued for a recipient (`queueFor`) answer only sends to that WhatsApp user, so a
 * test's error cannot be taken by another conversation's send or a mark-as-read call. A
 * browser test, whose app server talks to this fake over HTTP, queues them through
 * `POST /__fake/recipients/{wa_id}/replies` with `{ "fixture"?: name, "delayMs"?: n, "hold"?: true }`
 * (no fixture: the default success). `hold` keeps the answer back until
 * `POST /__fake/recipients/{wa_id}/release`, so a test sees a send in flight for as long as
 * it needs, whatever the machine's load — see scripts/fake-graph.ts.
 */

export type FakeRoute = "messages" | "media" | "download" | "templates";

export type RecordedRequest = {
  route: FakeRoute | "unknown";
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: unknown;
};

export type FakeReply =
  | { status: number; json: unknown }
  | { status: number; bytes: Buffer; contentType: string }
  /** Never answers: the client's timeout fires. */
  | { hang: true }
  /** Answers `then` (else the route's default) after a pause: lets a test see a send in flight. */
  | { delayMs: number; then?: FakeReply };

/** A reply, or a function deciding one when the request arrives (it may wait on the test). */
export type FakeStep = FakeReply | ((request: RecordedRequest) => FakeReply | Promise<FakeReply>);

export const reply = {
  /** A fixture file as the body; the HTTP status is the file name's suffix (`…-400`), else 200. */
  fixture(name: string): FakeReply {
    const status = Number(/-(\d{3})$/.exec(name)?.[1] ?? 200);
    return { status, json: fixtureJson("graph", name) };
  },
  json(status: number, json: unknown): FakeReply {
    return { status, json };
  },
  metaError(status: number, code: number, message: string, extra: Record<string, unknown> = {}): FakeReply {
    return { status, json: { error: { message, type: "OAuthException", code, fbtrace_id: "FakeTrace", ...extra } } };
  },
  hang(): FakeReply {
    return { hang: true };
  },
  delayed(delayMs: number, then?: FakeReply): FakeReply {
    return { delayMs, then };
  },
};

export type FakeMedia = { bytes: Buffer; mimeType: string };

export type FakeGraph = {
  /** Base URL, without the version: what WHATSAPP_GRAPH_URL would be. */
  url: string;
  requests: RecordedRequest[];
  calls(route: FakeRoute): RecordedRequest[];
  queue(route: FakeRoute, ...steps: FakeStep[]): void;
  /** Replies for the next sends to this WhatsApp user (`to`), before any queued for the route. */
  queueFor(recipient: string, ...steps: FakeStep[]): void;
  /** Media Meta still has; any other media id answers 404 (expired). */
  setMedia(mediaId: string, media: FakeMedia): void;
  /** Forgets recorded requests, queued replies and media: between tests. */
  reset(): void;
  /** A client aimed at this server that retries without waiting. */
  client(options?: GraphClientOptions): ReturnType<typeof createGraphClient>;
  close(): Promise<void>;
};

function routeOf(method: string, path: string): FakeRoute | "unknown" {
  if (method === "GET" && /^\/media-download\/[^/]+$/.test(path)) return "download";
  if (method === "POST" && /^\/v\d+\.\d+\/[^/]+\/messages$/.test(path)) return "messages";
  if (method === "GET" && /^\/v\d+\.\d+\/[^/]+\/message_templates$/.test(path)) return "templates";
  if (method === "GET" && /^\/v\d+\.\d+\/[^/]+$/.test(path)) return "media";
  return "unknown";
}

const expiredMedia = (mediaId: string) =>
  reply.metaError(
    404,
    100,
    `Unsupported get request. Object with ID '${mediaId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    { type: "GraphMethodException", error_subcode: 33 },
  );

const controlPath = /^\/__fake\/recipients\/(\d{1,20})\/(replies|release)$/;

const controlSchema = z.object({
  fixture: z
    .string()
    .refine((name) => fixtureNames("graph").includes(name), "not a fixture in lib/whatsapp/fixtures/graph")
    .optional(),
  delayMs: z.number().int().min(0).max(10_000).optional(),
  hold: z.literal(true).optional(),
});

/** `port`: 0 (default) for an ephemeral one; a browser test's server needs a known one. */
export async function startFakeGraph(options: { port?: number } = {}): Promise<FakeGraph> {
  const requests: RecordedRequest[] = [];
  const queues = new Map<FakeRoute, FakeStep[]>();
  const recipientQueues = new Map<string, FakeStep[]>();
  const media = new Map<string, FakeMedia>();
  /** Per recipient, the releases of answers held back, oldest first. */
  const held = new Map<string, Array<() => void>>();
  let sends = 0;
  let url = "";

  function defaultReply(request: RecordedRequest): FakeReply {
    const id = decodeURIComponent(request.path.split("/")[2] ?? "");
    switch (request.route) {
      case "messages": {
        const body = (request.body ?? {}) as { status?: string; to?: string; recipient?: string };
        if (body.status === "read") return reply.fixture("mark-read-response-200");
        sends += 1;
        const sent = fixtureJson<{ contacts: { input: string; wa_id?: string }[]; messages: { id: string }[] }>(
          "graph",
          "send-text-response-200",
        );
        // Every accepted message gets its own wamid, as on Meta; the first is the fixture's.
        if (sends > 1) sent.messages[0]!.id = `${sent.messages[0]!.id}.${sends}`;
        sent.contacts = [body.to ? { input: body.to, wa_id: body.to } : { input: body.recipient ?? "" }];
        return reply.json(200, sent);
      }
      case "media": {
        const found = media.get(id);
        if (!found) return expiredMedia(id);
        const info = fixtureJson<Record<string, unknown>>("graph", "media-url-response-200");
        return reply.json(200, {
          ...info,
          id,
          url: `${url}/media-download/${encodeURIComponent(id)}?hash=fake`,
          mime_type: found.mimeType,
          sha256: createHash("sha256").update(found.bytes).digest("base64"),
          file_size: found.bytes.length,
        });
      }
      case "download": {
        const found = media.get(decodeURIComponent(request.path.split("/")[2] ?? ""));
        return found ? { status: 200, bytes: found.bytes, contentType: found.mimeType } : reply.json(404, null);
      }
      case "templates":
        return reply.fixture("message-templates-list-200");
      default:
        return reply.metaError(400, 100, "Unknown path components");
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const parsed = new URL(req.url ?? "/", "http://fake");
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const method = req.method ?? "GET";
      const control = controlPath.exec(parsed.pathname);
      if (control && method === "POST" && control[2] === "release") {
        const release = held.get(control[1]!)?.shift();
        res.writeHead(release ? 204 : 404);
        res.end();
        release?.();
        return;
      }
      if (control && method === "POST") {
        const parsedControl = controlSchema.safeParse(body ?? {});
        if (!parsedControl.success) {
          res.writeHead(400, { "Content-Type": "text/plain" });
          res.end(parsedControl.error.issues[0]?.message ?? "invalid");
          return;
        }
        const { fixture, delayMs, hold } = parsedControl.data;
        const answer = reply.delayed(delayMs ?? 0, fixture ? reply.fixture(fixture) : undefined);
        if (hold) {
          const released = new Promise<void>((resolve) => held.set(control[1]!, [...(held.get(control[1]!) ?? []), resolve]));
          queueFor(control[1]!, () => released.then(() => answer));
        } else {
          queueFor(control[1]!, answer);
        }
        res.writeHead(204);
        res.end();
        return;
      }
      const request: RecordedRequest = {
        route: routeOf(method, parsed.pathname),
        method,
        path: parsed.pathname,
        query: parsed.searchParams,
        authorization: req.headers.authorization,
        body,
      };
      requests.push(request);
      const step = recipientQueue(request)?.shift() ?? (request.route === "unknown" ? undefined : queues.get(request.route)?.shift());
      Promise.resolve(typeof step === "function" ? step(request) : (step ?? defaultReply(request)))
        .then(async (first) => {
          let answer = first;
          if ("delayMs" in answer) {
            const { delayMs, then } = answer;
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            answer = then ?? defaultReply(request);
          }
          if ("hang" in answer || "delayMs" in answer) return;
          if ("bytes" in answer) {
            res.writeHead(answer.status, { "Content-Type": answer.contentType, "Content-Length": answer.bytes.length });
            res.end(answer.bytes);
            return;
          }
          const text = JSON.stringify(answer.json);
          res.writeHead(answer.status, { "Content-Type": "application/json" });
          res.end(text);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { "Content-Type": "text/plain" });
          res.end(String(error));
        });
    });
  });

  function queueFor(recipient: string, ...steps: FakeStep[]) {
    recipientQueues.set(recipient, [...(recipientQueues.get(recipient) ?? []), ...steps]);
  }

  /** A send (not a mark-as-read) to a recipient something was queued for. */
  function recipientQueue(request: RecordedRequest): FakeStep[] | undefined {
    if (request.route !== "messages") return undefined;
    const to = (request.body as { to?: unknown } | undefined)?.to;
    const queue = typeof to === "string" ? recipientQueues.get(to) : undefined;
    return queue?.length ? queue : undefined;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    calls: (route) => requests.filter((r) => r.route === route),
    queue: (route, ...steps) => queues.set(route, [...(queues.get(route) ?? []), ...steps]),
    queueFor,
    setMedia: (mediaId, m) => void media.set(mediaId, m),
    reset: () => {
      requests.length = 0;
      queues.clear();
      recipientQueues.clear();
      media.clear();
    },
    client: (options = {}) =>
      createGraphClient({
        baseUrl: url,
        version: "v25.0",
        ...options,
        retry: { sleep: async () => {}, ...options.retry },
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
