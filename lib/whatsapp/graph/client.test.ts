import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { fixtureJson } from "@/testing/fixtures";
import { backoffDelay, createGraphClient } from "./client";
import { GraphError } from "./errors";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { reply } from "@/testing/fake-graph-server";
import { templateMessage, textMessage } from "./messages";

const token = "EAAG-test-token-client-0001";
const auth = { token, phoneNumberId: "110000000000001" };
const sendRequest = fixtureJson<{ to: string; context: { message_id: string }; text: { body: string } }>("graph", "send-text-request");
const sentWamid = fixtureJson<{ messages: { id: string }[] }>("graph", "send-text-response-200").messages[0]!.id;

const graph = fakeGraphPerFile();

const aText = () => textMessage({ to: { waId: sendRequest.to }, body: sendRequest.text.body, replyToWamid: sendRequest.context.message_id });

async function failure(promise: Promise<unknown>): Promise<GraphError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphError);
  return error as GraphError;
}

describe("sending", () => {
  it("posts Meta's text message body with the bearer token and returns the wamid", async () => {
    const sent = await graph.client().sendMessage(auth, aText());
    expect(sent.wamid).toBe(sentWamid);
    const [request] = graph.calls("messages");
    expect(request!.path).toBe("/v25.0/110000000000001/messages");
    expect(request!.authorization).toBe(`Bearer ${token}`);
    expect(request!.body).toEqual(fixtureJson("graph", "send-text-request"));
  });

  it("builds a template send exactly as Meta documents it", async () => {
    const message = templateMessage({
      to: { waId: "5215512345678" },
      name: "order_update",
      language: "es_MX",
      components: [{ type: "body", parameters: [{ type: "text", text: "1042" }] }],
    });
    await graph.client().sendMessage(auth, message);
    expect(graph.calls("messages")[0]!.body).toEqual({ ...fixtureJson<object>("graph", "template-send-request"), recipient_type: "individual" });
  });

  it("addresses a username-only customer by business-scoped user id", async () => {
    await graph.client().sendMessage(auth, textMessage({ to: { userId: "US.13491208655302741918" }, body: "hi" }));
    const body = graph.calls("messages")[0]!.body as Record<string, unknown>;
    expect(body.recipient).toBe("US.13491208655302741918");
    expect(body).not.toHaveProperty("to");
  });

  it("retries a rate limit (130429) with growing delays, then succeeds", async () => {
    const delays: number[] = [];
    graph.queue("messages", reply.fixture("error-130429-rate-limit-400"), reply.fixture("error-130429-rate-limit-400"));
    const client = graph.client({ retry: { sleep: async (ms) => void delays.push(ms), random: () => 0.5, baseDelayMs: 100 } });
    const sent = await client.sendMessage(auth, aText());
    expect(sent.wamid).toMatch(/^wamid\./);
    expect(graph.calls("messages")).toHaveLength(3);
    expect(delays).toEqual([75, 150]);
  });

  it("retries HTTP 429, pair rate limits (131056) and 5xx answers", async () => {
    graph.queue(
      "messages",
      reply.json(429, null),
      reply.metaError(400, 131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
      reply.metaError(500, 131000, "Something went wrong"),
    );
    await graph.client().sendMessage(auth, aText());
    expect(graph.calls("messages")).toHaveLength(4);
  });

  it("gives up after a bounded number of attempts", async () => {
    graph.queue("messages", ...Array.from({ length: 10 }, () => reply.metaError(503, 131016, "Service unavailable")));
    const error = await failure(graph.client({ retry: { attempts: 3 } }).sendMessage(auth, aText()));
    expect(error.code).toBe(131016);
    expect(graph.calls("messages")).toHaveLength(3);
  });

  it.each([
    ["131047 (24-hour window closed)", reply.fixture("error-131047-reengagement-400"), 131047],
    ["190 (token expired)", reply.fixture("error-190-token-expired-401"), 190],
    ["131026 (undeliverable)", reply.metaError(400, 131026, "Message undeliverable"), 131026],
    ["131051 (unsupported type)", reply.metaError(400, 131051, "Unsupported message type"), 131051],
    ["a template error, even on a 5xx", reply.metaError(500, 132001, "Template name does not exist in the translation"), 132001],
  ])("does not retry %s", async (_, answer, code) => {
    graph.queue("messages", answer);
    const error = await failure(graph.client().sendMessage(auth, aText()));
    expect(error.code).toBe(code);
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("reads Meta's error shape into a title and details a person can read", async () => {
    graph.queue("messages", reply.fixture("error-131047-reengagement-400"));
    const error = await failure(graph.client().sendMessage(auth, aText()));
    expect(error).toMatchObject({
      kind: "api",
      httpStatus: 400,
      code: 131047,
      title: "Re-engagement message",
      details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
      fbtraceId: "AbCdEfGhIjKlMnOpQrStUvW",
    });
    expect(error.message).not.toContain(token);
  });

  it("times out a send that gets no answer and does not repeat it (it may have been accepted)", async () => {
    graph.queue("messages", reply.hang());
    const error = await failure(graph.client({ timeoutMs: 150 }).sendMessage(auth, aText()));
    expect(error.kind).toBe("timeout");
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("retries a send whose connection was refused (it never left)", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    let sleeps = 0;
    const client = createGraphClient({ baseUrl: `http://127.0.0.1:${port}`, version: "v25.0", retry: { sleep: async () => void sleeps++ } });
    const error = await failure(client.sendMessage(auth, aText()));
    expect(error.kind).toBe("network");
    expect(error.connectFailed).toBe(true);
    expect(sleeps).toBe(3);
  });

  it("refuses a 200 answer it does not understand", async () => {
    graph.queue("messages", reply.json(200, { messages: [] }));
    const error = await failure(graph.client().sendMessage(auth, aText()));
    expect(error.kind).toBe("invalid_response");
    expect(graph.calls("messages")).toHaveLength(1);
  });
});

describe("the fake's answers per customer", () => {
  it("gives a reply queued for a customer only to a send to that customer, never to a read receipt", async () => {
    graph.queueFor("5215500000099", reply.fixture("error-131047-reengagement-400"));
    await graph.client().markAsRead(auth, "wamid.IN-1");
    expect((await graph.client().sendMessage(auth, textMessage({ to: { waId: "5215500000001" }, body: "a" }))).wamid).toMatch(/^wamid\./);
    const refused = await failure(graph.client().sendMessage(auth, textMessage({ to: { waId: "5215500000099" }, body: "b" })));
    expect(refused.code).toBe(131047);
    await graph.client().sendMessage(auth, textMessage({ to: { waId: "5215500000099" }, body: "c" }));
  });

  it("takes a customer's reply over HTTP, from the shared fixtures only, as the browser tests do", async () => {
    const control = (body: unknown) =>
      fetch(`${graph.url}/__fake/recipients/5215500000098/replies`, { method: "POST", body: JSON.stringify(body) });
    expect((await control({ fixture: "../../../package" })).status).toBe(400);
    expect((await control({ fixture: "error-190-token-expired-401" })).status).toBe(204);
    expect((await failure(graph.client().sendMessage(auth, textMessage({ to: { waId: "5215500000098" }, body: "a" })))).code).toBe(190);
    expect(graph.requests.every((r) => !r.path.startsWith("/__fake"))).toBe(true);
  });

  it("holds a customer's answer back until the test releases it", async () => {
    const control = (action: string, body?: unknown) =>
      fetch(`${graph.url}/__fake/recipients/5215500000097/${action}`, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await control("release")).status).toBe(404);
    expect((await control("replies", { hold: true })).status).toBe(204);
    let answered = false;
    const send = graph
      .client()
      .sendMessage(auth, textMessage({ to: { waId: "5215500000097" }, body: "held" }))
      .finally(() => (answered = true));
    await expect.poll(() => graph.calls("messages").length).toBe(1);
    expect(answered).toBe(false);
    expect((await control("release")).status).toBe(204);
    expect((await send).wamid).toMatch(/^wamid\./);
  });
});

describe("mark as read", () => {
  it("posts Meta's read receipt body", async () => {
    await graph.client().markAsRead(auth, "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjATEXT01");
    expect(graph.calls("messages")[0]!.body).toEqual(fixtureJson("graph", "mark-read-request"));
  });
});

describe("media", () => {
  it("resolves a media id to a URL and downloads the bytes with the bearer token", async () => {
    const bytes = Buffer.from("fake jpeg bytes");
    graph.setMedia("1480000000000001", { bytes, mimeType: "image/jpeg" });
    const client = graph.client();
    const info = await client.getMediaInfo(token, "1480000000000001");
    expect(info).toMatchObject({ mimeType: "image/jpeg", fileSize: bytes.length });
    const downloaded = await client.downloadMedia(token, info.url);
    expect(downloaded.bytes.equals(bytes)).toBe(true);
    expect(downloaded.mimeType).toBe("image/jpeg");
    expect(graph.requests.map((r) => [r.route, r.authorization])).toEqual([
      ["media", `Bearer ${token}`],
      ["download", `Bearer ${token}`],
    ]);
  });

  it("reports media Meta no longer has as not found, without retrying", async () => {
    const error = await failure(graph.client().getMediaInfo(token, "1480000000000404"));
    expect(error.notFound).toBe(true);
    expect(graph.calls("media")).toHaveLength(1);
  });

  it("retries a lookup that timed out: reading twice is harmless", async () => {
    graph.setMedia("1480000000000002", { bytes: Buffer.from("x"), mimeType: "audio/ogg" });
    graph.queue("media", reply.hang());
    // The first lookup hangs and times out; the retry must answer within the same limit, so the
    // limit is wide enough for a loaded machine.
    const info = await graph.client({ timeoutMs: 5_000 }).getMediaInfo(token, "1480000000000002");
    expect(info.mimeType).toBe("audio/ogg");
    expect(graph.calls("media")).toHaveLength(2);
  });
});

describe("templates", () => {
  it("lists every template, following Meta's paging cursor", async () => {
    const first = fixtureJson<{ data: unknown[] }>("graph", "message-templates-list-200");
    graph.queue(
      "templates",
      reply.json(200, { data: first.data.slice(0, 2), paging: { cursors: { before: "A", after: "B" }, next: "https://graph.facebook.com/next" } }),
      reply.json(200, { data: first.data.slice(2), paging: { cursors: { before: "B", after: "C" } } }),
    );
    const templates = await graph.client().listMessageTemplates(token, "104400000000001");
    expect(templates.map((t) => [t.name, t.status])).toEqual([
      ["order_update", "APPROVED"],
      ["welcome_back", "APPROVED"],
      ["draft_promo", "PENDING"],
    ]);
    const [page1, page2] = graph.calls("templates");
    expect(page1!.path).toBe("/v25.0/104400000000001/message_templates");
    expect(page1!.query.get("after")).toBeNull();
    expect(page2!.query.get("after")).toBe("B");
  });
});

it("backs off exponentially with jitter, capped", () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 8_000 };
  expect(backoffDelay({ ...policy, random: () => 0 }, 1)).toBe(250);
  expect(backoffDelay({ ...policy, random: () => 1 }, 1)).toBe(500);
  expect(backoffDelay({ ...policy, random: () => 1 }, 3)).toBe(2_000);
  expect(backoffDelay({ ...policy, random: () => 1 }, 10)).toBe(8_000);
});
