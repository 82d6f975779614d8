import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { fixtureJson, fixtureNames } from "./fixtures";
import { createGraphClient, type GraphClientOptions } from "@/lib/whatsapp/graph/client";

/**
 * A stand-in for Meta's Graph API in tests: a real HTTP server on 127.0.0.1 (ephemeral
 * port) answering from `testing/fixtures/graph/`. Each route answers its default
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
 *
 * Ownership is checked the way Graph checks it: a token sees only the WABAs it was granted
 * (`graph.grant({ token, wabaId, phoneNumberIds, appId? })`, or `POST /__fake/grants` with
 * the same fields); asking about another WABA answers error 100 (`error-100-object-not-found-400`).
 * A WABA's phone numbers come in pages of `phonePageSize` (default 2, the fixture's size)
 * with Meta's cursors and `paging.next`; `debug_token` answers the token's app (default the
 * platform's, `fakeMetaAppId`); `subscribed_apps` keeps, per WABA, the apps whose token
 * POSTed to it. Messages, media and templates accept any token.
 *
 * Embedded Signup: `graph.issueCode(code, token)` (or `POST /__fake/codes` with `{ code, token }`)
 * makes `GET /oauth/access_token?client_id&client_secret&code` answer that token once, as
 * Meta does; any other code (or the same one again) answers `oauth-code-invalid-400`. The
 * client id must be the token's app and a client secret must be sent; which one is for the
 * test to check in the recorded request. `POST /{phone_number_id}/register` needs a token
 * that sees the number and `{ messaging_product: "whatsapp", pin: <6 digits> }`; a grant's
 * `pin` is the two-step verification PIN its numbers already have (another PIN answers
 * `register-pin-mismatch-400`), and a number without one takes the first PIN registered.
 * A browser test reads what was sent with `GET /__fake/requests?route=<route>`.
 */

export type FakeRoute =
  | "messages"
  | "media"
  | "download"
  | "templates"
  | "debug_token"
  | "phone_numbers"
  | "subscribed_apps"
  | "oauth_access_token"
  | "register";

/** The platform app the fixtures describe (`subscribed-apps-get-200`). */
export const fakeMetaAppId = "670843887433847";

/** `pin`: the two-step verification PIN the numbers already have (Embedded Signup's register step). */
export type FakeGrant = { token: string; wabaId: string; phoneNumberIds: string[]; appId?: string; pin?: string };

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
  /** A fixture file (`graph/`, else `graph-local/`) as the body; the HTTP status is the file name's suffix (`…-400`), else 200. */
  fixture(name: string): FakeReply {
    const status = Number(/-(\d{3})$/.exec(name)?.[1] ?? 200);
    return { status, json: fixtureJson(fixtureNames("graph").includes(name) ? "graph" : "graph-local", name) };
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
  /** Lets `token` (of `appId`) see the WABA, which holds these numbers (added to any it held). */
  grant(grant: FakeGrant): void;
  /** Embedded Signup: `code`, exchanged once, answers `token` (grant the token what it should see). */
  issueCode(code: string, token: string): void;
  /** The token no longer sees the WABA. */
  revoke(token: string, wabaId: string): void;
  /** Forgets recorded requests, queued replies and media: between tests. */
  reset(): void;
  /** A client aimed at this server that retries without waiting. */
  client(options?: GraphClientOptions): ReturnType<typeof createGraphClient>;
  close(): Promise<void>;
};

function routeOf(method: string, path: string): FakeRoute | "unknown" {
  if (method === "GET" && /^\/media-download\/[^/]+$/.test(path)) return "download";
  if (method === "GET" && /^\/v\d+\.\d+\/debug_token$/.test(path)) return "debug_token";
  if (method === "GET" && /^\/v\d+\.\d+\/oauth\/access_token$/.test(path)) return "oauth_access_token";
  if (method === "POST" && /^\/v\d+\.\d+\/[^/]+\/register$/.test(path)) return "register";
  if (method === "GET" && /^\/v\d+\.\d+\/[^/]+\/phone_numbers$/.test(path)) return "phone_numbers";
  if ((method === "GET" || method === "POST") && /^\/v\d+\.\d+\/[^/]+\/subscribed_apps$/.test(path)) return "subscribed_apps";
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

/** Graph's answer when a token cannot see an object: the shared fixture, naming the object asked for. */
function objectNotFound(objectId: string): FakeReply {
  const body = fixtureJson<{ error: { message: string } }>("graph", "error-100-object-not-found-400");
  body.error.message = body.error.message.replace(/'\d+'/, `'${objectId}'`);
  return reply.json(400, body);
}

const invalidToken = () =>
  reply.metaError(401, 190, "Invalid OAuth access token - Cannot parse access token");

const controlPath = /^\/__fake\/recipients\/(\d{1,20})\/(replies|release)$/;

const grantSchema = z.object({
  token: z.string().min(1),
  wabaId: z.string().regex(/^\d+$/),
  phoneNumberIds: z.array(z.string().regex(/^\d+$/)),
  appId: z.string().regex(/^\d+$/).optional(),
  pin: z.string().regex(/^\d{6}$/).optional(),
});

const codeSchema = z.object({ code: z.string().min(1), token: z.string().min(1) });

const controlSchema = z.object({
  fixture: z
    .string()
    .refine((name) => fixtureNames("graph").includes(name), "not a fixture in testing/fixtures/graph")
    .optional(),
  delayMs: z.number().int().min(0).max(10_000).optional(),
  hold: z.literal(true).optional(),
});

/** `port`: 0 (default) for an ephemeral one; a browser test's server needs a known one. */
export async function startFakeGraph(options: { port?: number; phonePageSize?: number } = {}): Promise<FakeGraph> {
  const phonePageSize = options.phonePageSize ?? 2;
  /** token → its app and the WABAs it sees; WABA → its numbers, in order; WABA → subscribed apps. */
  const tokens = new Map<string, { appId: string; wabas: Set<string> }>();
  const wabaPhones = new Map<string, string[]>();
  const subscriptions = new Map<string, Set<string>>();
  /** Embedded Signup codes not exchanged yet → the token each answers; phone number → its two-step PIN. */
  const codes = new Map<string, string>();
  const pins = new Map<string, string>();
  const requests: RecordedRequest[] = [];
  const queues = new Map<FakeRoute, FakeStep[]>();
  const recipientQueues = new Map<string, FakeStep[]>();
  const media = new Map<string, FakeMedia>();
  /** Per recipient, the releases of answers held back, oldest first. */
  const held = new Map<string, Array<() => void>>();
  let sends = 0;
  let url = "";

  function grant({ token, wabaId, phoneNumberIds, appId, pin }: FakeGrant) {
    if (pin) for (const id of phoneNumberIds) pins.set(id, pin);
    const account = tokens.get(token) ?? { appId: appId ?? fakeMetaAppId, wabas: new Set<string>() };
    if (appId) account.appId = appId;
    account.wabas.add(wabaId);
    tokens.set(token, account);
    const phones = wabaPhones.get(wabaId) ?? [];
    wabaPhones.set(wabaId, [...phones, ...phoneNumberIds.filter((id) => !phones.includes(id))]);
  }

  const bearer = (request: RecordedRequest) => request.authorization?.replace(/^Bearer\s+/i, "") ?? "";

  /** A phone number as Graph lists it: the fixture's entry for its id, else the fixture's shape with this id. */
  function phoneEntry(id: string): Record<string, unknown> {
    const listed = fixtureJson<{ data: Record<string, unknown>[] }>("graph", "waba-phone-numbers-200").data.find((n) => n.id === id);
    if (listed) return listed;
    return { ...fixtureJson<Record<string, unknown>>("graph", "phone-number-200"), id, display_phone_number: `+${id}` };
  }

  function phoneNumbersPage(request: RecordedRequest, wabaId: string): FakeReply {
    const phones = wabaPhones.get(wabaId) ?? [];
    const start = Number(Buffer.from(request.query.get("after") ?? "", "base64url").toString() || 0);
    const page = phones.slice(start, start + phonePageSize);
    const end = start + page.length;
    const cursor = (n: number) => Buffer.from(String(n)).toString("base64url");
    const paging: Record<string, unknown> = { cursors: { before: cursor(start), after: cursor(end) } };
    if (end < phones.length) {
      const next = new URL(`${url}${request.path}`);
      next.searchParams.set("limit", String(phonePageSize));
      next.searchParams.set("after", cursor(end));
      paging.next = next.toString();
    }
    return reply.json(200, { data: page.map(phoneEntry), paging });
  }

  function subscribedApps(wabaId: string): FakeReply {
    const template = fixtureJson<{ data: { whatsapp_business_api_data: Record<string, string> }[] }>("graph", "subscribed-apps-get-200").data[0]!;
    return reply.json(200, {
      data: [...(subscriptions.get(wabaId) ?? [])].map((appId) => ({
        whatsapp_business_api_data: {
          ...template.whatsapp_business_api_data,
          id: appId,
          link: `https://www.facebook.com/games/?app_id=${appId}`,
          name: appId === fakeMetaAppId ? template.whatsapp_business_api_data.name : `App ${appId}`,
        },
      })),
    });
  }

  /** The WABA endpoints: the token must see the WABA, as on Graph. */
  function wabaReply(request: RecordedRequest): FakeReply {
    const wabaId = decodeURIComponent(request.path.split("/")[2] ?? "");
    const account = tokens.get(bearer(request));
    if (!account) return invalidToken();
    if (!account.wabas.has(wabaId)) return objectNotFound(wabaId);
    if (request.route === "phone_numbers") return phoneNumbersPage(request, wabaId);
    if (request.method === "POST") {
      subscriptions.set(wabaId, new Set([...(subscriptions.get(wabaId) ?? []), account.appId]));
      return reply.fixture("subscribed-apps-post-200");
    }
    return subscribedApps(wabaId);
  }

  function debugTokenReply(request: RecordedRequest): FakeReply {
    // Graph answers for an app's tokens only to that app's access token, `{app-id}|{app-secret}`.
    if (!/^\d+\|.+$/.test(bearer(request))) return invalidToken();
    const inspected = request.query.get("input_token") ?? "";
    const account = tokens.get(inspected);
    if (!account) {
      return reply.json(200, {
        data: { is_valid: false, scopes: [], error: { code: 190, message: "Invalid OAuth access token - Cannot parse access token" } },
      });
    }
    const answer = fixtureJson<{ data: Record<string, unknown> & { granular_scopes: { scope: string; target_ids: string[] }[] } }>(
      "graph-local",
      "debug-token-200",
    );
    answer.data.app_id = account.appId;
    answer.data.granular_scopes = answer.data.granular_scopes.map((s) => ({ ...s, target_ids: [...account.wabas] }));
    return reply.json(200, answer);
  }

  function exchangeReply(request: RecordedRequest): FakeReply {
    const code = request.query.get("code") ?? "";
    const token = codes.get(code);
    if (token === undefined) return reply.fixture("oauth-code-invalid-400");
    if (request.query.get("client_id") !== (tokens.get(token)?.appId ?? fakeMetaAppId)) {
      return reply.metaError(400, 101, "Error validating application. Invalid application ID.");
    }
    if (!request.query.get("client_secret")) return reply.metaError(400, 1, "Error validating client secret.");
    codes.delete(code);
    return reply.json(200, { ...fixtureJson<Record<string, unknown>>("graph", "oauth-access-token-200"), access_token: token });
  }

  function registerReply(request: RecordedRequest): FakeReply {
    const phoneNumberId = decodeURIComponent(request.path.split("/")[2] ?? "");
    const account = tokens.get(bearer(request));
    if (!account) return invalidToken();
    if (![...account.wabas].some((waba) => wabaPhones.get(waba)?.includes(phoneNumberId))) return objectNotFound(phoneNumberId);
    const body = (request.body ?? {}) as { messaging_product?: unknown; pin?: unknown };
    if (body.messaging_product !== "whatsapp" || typeof body.pin !== "string" || !/^\d{6}$/.test(body.pin)) {
      return reply.metaError(400, 100, "(#100) Invalid parameter");
    }
    const pin = pins.get(phoneNumberId);
    if (pin !== undefined && pin !== body.pin) return reply.fixture("register-pin-mismatch-400");
    pins.set(phoneNumberId, body.pin);
    return reply.fixture("register-phone-200");
  }

  function defaultReply(request: RecordedRequest): FakeReply {
    const id = decodeURIComponent(request.path.split("/")[2] ?? "");
    switch (request.route) {
      case "debug_token":
        return debugTokenReply(request);
      case "oauth_access_token":
        return exchangeReply(request);
      case "register":
        return registerReply(request);
      case "phone_numbers":
      case "subscribed_apps":
        return wabaReply(request);
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
      if (parsed.pathname === "/__fake/grants" && method === "POST") {
        const parsedGrant = grantSchema.safeParse(body ?? {});
        res.writeHead(parsedGrant.success ? 204 : 400, { "Content-Type": "text/plain" });
        if (parsedGrant.success) grant(parsedGrant.data);
        res.end(parsedGrant.success ? undefined : (parsedGrant.error.issues[0]?.message ?? "invalid"));
        return;
      }
      if (parsed.pathname === "/__fake/codes" && method === "POST") {
        const parsedCode = codeSchema.safeParse(body ?? {});
        res.writeHead(parsedCode.success ? 204 : 400, { "Content-Type": "text/plain" });
        if (parsedCode.success) codes.set(parsedCode.data.code, parsedCode.data.token);
        res.end(parsedCode.success ? undefined : (parsedCode.error.issues[0]?.message ?? "invalid"));
        return;
      }
      if (parsed.pathname === "/__fake/requests" && method === "GET") {
        const route = parsed.searchParams.get("route");
        const listed = requests
          .filter((r) => !route || r.route === route)
          .map((r) => ({ route: r.route, method: r.method, path: r.path, query: Object.fromEntries(r.query), body: r.body }));
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(listed));
        return;
      }
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
    grant,
    issueCode: (code, token) => void codes.set(code, token),
    revoke: (token, wabaId) => void tokens.get(token)?.wabas.delete(wabaId),
    reset: () => {
      tokens.clear();
      wabaPhones.clear();
      subscriptions.clear();
      codes.clear();
      pins.clear();
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
