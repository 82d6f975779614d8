import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { database } from "@/db/client";
import { businessNumbers, conversations, messageStatuses, messageTemplates, messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { resetEnvForTests } from "@/lib/config/env";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { eventsChannel } from "@/lib/realtime/events";
import { fixtureJson } from "@/lib/whatsapp/fixtures";
import { reply, startFakeGraph, type FakeGraph } from "@/lib/whatsapp/graph/fake-graph-server";
import { AppError } from "@/lib/domain/errors";
import { tokenExpiredReason, windowClosedReason } from "./failures";
import { canRetry, stalePendingMs } from "./message-state";
import type { Actor, Deps } from "@/lib/domain/context";
import { parseInput } from "@/lib/edge/input";
import * as send from "./send";
import { claimOutboundMessage, retryMessageSchema, sendReplySchema, sendTemplateSchema } from "./send";
import { captureOutput, outboundWorld, type OutboundWorld } from "./test-support";

let graph: FakeGraph;
beforeAll(async () => {
  graph = await startFakeGraph();
});
afterAll(() => graph.close());
afterEach(() => graph.reset());

const deps = () => ({ graph: graph.client() });

// Each call as a route makes it: the input validated at the edge, then the domain function.
const sendReply = async (actor: Actor, raw: unknown, deps: Deps) => send.sendReply({ actor, ...deps }, parseInput(sendReplySchema, raw, "rejected"));
const sendTemplate = async (actor: Actor, raw: unknown, deps: Deps) =>
  send.sendTemplate({ actor, ...deps }, parseInput(sendTemplateSchema, raw, "rejected"));
const retryMessage = async (actor: Actor, raw: unknown, deps: Deps) =>
  send.retryMessage({ actor, ...deps }, parseInput(retryMessageSchema, raw, "rejected"));

/** Meta answers the next send with success, but only once the returned function is called. */
function holdNextSend(): () => void {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  graph.queue("messages", async () => {
    await released;
    return reply.fixture("send-text-response-200");
  });
  return release;
}
/** For the tests where Meta never answers. */
const impatient = () => ({ graph: graph.client({ timeoutMs: 300 }) });
const reply1 = (world: OutboundWorld, text = "Sí, hoy enviamos antes de las 6 pm.", extra: Record<string, unknown> = {}) => ({
  conversationId: world.conversation.id,
  messageId: randomUUID(),
  text,
  ...extra,
});

async function storedMessage(world: OutboundWorld, id: string) {
  return withTenant(world.tenantId, async (tx) => (await tx.select().from(messages).where(eq(messages.id, id)))[0]);
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBeDefined();
  return error as AppError;
}

describe("sending a reply", () => {
  it("sends through Meta with the number's token and stores the returned wamid", async () => {
    const world = await outboundWorld();
    const input = reply1(world);
    const message = await sendReply(world.actor, input, deps());

    expect(message).toMatchObject({ id: input.messageId, direction: "outbound", status: "sent", text: input.text, authorUserId: world.actor.userId });
    expect(message.wamid).toBe(fixtureJson<{ messages: { id: string }[] }>("graph", "send-text-response-200").messages[0]!.id);
    const [call] = graph.calls("messages");
    expect(call!.path).toBe(`/v25.0/${world.number.phoneNumberId}/messages`);
    expect(call!.authorization).toBe(`Bearer ${world.token}`);
    expect(call!.body).toMatchObject({ to: "5215512345678", type: "text", text: { body: input.text } });
    expect(await storedMessage(world, input.messageId)).toMatchObject({ status: "sent", wamid: message.wamid, error: null });
    const [conversation] = await withTenant(world.tenantId, (tx) =>
      tx.select().from(conversations).where(eq(conversations.id, world.conversation.id)),
    );
    expect(conversation!.lastMessageAt.getTime()).toBe(message.sentAt.getTime());
  });

  it("tells the workspace about the new message and its delivery", async () => {
    const world = await outboundWorld();
    const heard: { type: string; messageId?: string }[] = [];
    const stop = await database().listen(eventsChannel, (payload) => heard.push(JSON.parse(payload)));
    try {
      const message = await sendReply(world.actor, reply1(world), deps());
      await vi.waitFor(() =>
        expect(heard.filter((e) => e.messageId === message.id).map((e) => e.type)).toEqual(["message.created", "message.updated"]),
      );
      expect(heard.some((e) => e.type === "conversation.updated")).toBe(true);
    } finally {
      await stop();
    }
  });

  it("quotes the message it answers (context.message_id)", async () => {
    const world = await outboundWorld();
    const message = await sendReply(world.actor, reply1(world, "Claro", { replyToMessageId: world.inbound.id }), deps());
    expect(message.replyToWamid).toBe(world.inbound.wamid);
    expect(graph.calls("messages")[0]!.body).toMatchObject({ context: { message_id: world.inbound.wamid } });
  });

  it("addresses a username-only customer by business-scoped user id", async () => {
    const world = await outboundWorld({ customer: { userId: "US.13491208655302741918" } });
    await sendReply(world.actor, reply1(world), deps());
    expect(graph.calls("messages")[0]!.body).toMatchObject({ recipient: "US.13491208655302741918" });
  });

  it("stores Meta's 131047 as the 24-hour window message, without retrying", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.fixture("error-131047-reengagement-400"));
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message.status).toBe("failed");
    expect(message.error).toMatchObject({ reason: windowClosedReason, code: 131047 });
    expect(graph.calls("messages")).toHaveLength(1);
    expect(canRetry(message)).toBe(true);
  });

  it("on 190 says the token expired, flags the number, and sends nothing more until it is replaced", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.fixture("error-190-token-expired-401"));
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message.error).toMatchObject({ reason: tokenExpiredReason, code: 190 });
    const [number] = await withTenant(world.tenantId, (tx) =>
      tx.select().from(businessNumbers).where(eq(businessNumbers.id, world.number.id)),
    );
    expect(number!.accessTokenInvalidAt).toBeInstanceOf(Date);

    const next = reply1(world);
    const refused = await refusal(sendReply(world.actor, next, deps()));
    expect(refused).toMatchObject({ code: "token_invalid", message: tokenExpiredReason });
    expect(graph.calls("messages")).toHaveLength(1);
    expect(await storedMessage(world, next.messageId)).toBeUndefined();
  });

  it("on 190 leaves the number alone when an admin replaced its token while the send was in flight", async () => {
    const world = await outboundWorld();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    graph.queue("messages", async () => {
      await released;
      return reply.fixture("error-190-token-expired-401");
    });
    const sending = sendReply(world.actor, reply1(world), deps());
    await expect.poll(() => graph.calls("messages").length, { timeout: 20_000 }).toBe(1);
    const replaced = encryptSecret("EAAG-the-replacement-token-0123", world.number.id);
    await withTenant(world.tenantId, (tx) =>
      tx.update(businessNumbers).set({ accessTokenEncrypted: replaced }).where(eq(businessNumbers.id, world.number.id)),
    );
    release();
    expect((await sending).error).toMatchObject({ reason: tokenExpiredReason, code: 190 });
    const [number] = await withTenant(world.tenantId, (tx) => tx.select().from(businessNumbers).where(eq(businessNumbers.id, world.number.id)));
    expect(number).toMatchObject({ accessTokenEncrypted: replaced, accessTokenInvalidAt: null });
  });

  it("shows other Meta errors in Meta's own words", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable", { error_data: { details: "The recipient is not on WhatsApp." } }));
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message.error).toMatchObject({ reason: "Message undeliverable — The recipient is not on WhatsApp.", code: 131026 });
  });

  it("retries a rate limit (130429) and then stores the message as sent", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.fixture("error-130429-rate-limit-400"));
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message.status).toBe("sent");
    expect(graph.calls("messages")).toHaveLength(2);
  });

  it("when Meta does not answer in time, fails the message saying it may have been sent, and does not resend it", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.hang());
    const message = await sendReply(world.actor, reply1(world), impatient());
    expect(message.status).toBe("failed");
    expect((message.error as { reason: string }).reason).toMatch(/did not answer in time.*may or may not have reached/);
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("makes exactly one Graph call for two concurrent sends of the same message id", async () => {
    const world = await outboundWorld();
    const input = reply1(world);
    const release = holdNextSend();
    const first = sendReply(world.actor, input, deps());
    const second = sendReply(world.actor, input, deps());
    // Whichever lost the claim returns at once, with the message still pending.
    const loser = await Promise.race([first, second]);
    expect(loser).toMatchObject({ id: input.messageId, status: "pending" });
    release();
    const results = await Promise.all([first, second]);
    expect(results.map((m) => m.id)).toEqual([input.messageId, input.messageId]);
    expect(graph.calls("messages")).toHaveLength(1);
    expect(await storedMessage(world, input.messageId)).toMatchObject({ status: "sent" });
  });

  it("answers a repeated request (a reload, a retried POST) with the stored message, sending nothing", async () => {
    const world = await outboundWorld();
    const input = reply1(world);
    const first = await sendReply(world.actor, input, deps());
    const again = await sendReply(world.actor, input, deps());
    expect(again).toEqual(first);
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("does not claim an id already stored, even when nothing looked for it first", async () => {
    // sendReply reads before it claims; calling the claim directly is the case of two
    // requests that both read before either inserted: only ON CONFLICT (tenant, id) decides.
    const world = await outboundWorld();
    const input = reply1(world);
    const first = await sendReply(world.actor, input, deps());
    const claim = (messageId: string) =>
      withTenant(world.tenantId, (tx) =>
        claimOutboundMessage(tx, {
          tenantId: world.tenantId,
          messageId,
          conversationId: world.conversation.id,
          authorUserId: world.actor.userId,
          type: "text",
          text: "a second send under the same id",
          payload: first.payload as never,
          replyToWamid: null,
          sandbox: false,
        }),
      );
    expect(await claim(input.messageId)).toEqual({ claimed: false, message: first });
    await expect(claim(world.inbound.id)).rejects.toMatchObject({ code: "id_in_use" });
    expect(await storedMessage(world, input.messageId)).toEqual(first);
    expect(await storedMessage(world, world.inbound.id)).toMatchObject({ direction: "inbound", text: world.inbound.text });
  });

  it("refuses a message id that belongs to another conversation's message", async () => {
    const world = await outboundWorld();
    const refused = await refusal(sendReply(world.actor, { ...reply1(world), messageId: world.inbound.id }, deps()));
    expect(refused.code).toBe("id_in_use");
    expect(graph.calls("messages")).toHaveLength(0);
  });

  it("applies a delivery status Meta reported before the wamid was stored", async () => {
    const world = await outboundWorld();
    graph.queue("messages", async () => {
      const answer = reply.fixture("send-text-response-200");
      const wamid = (answer as { json: { messages: { id: string }[] } }).json.messages[0]!.id;
      // The status webhook wins the race against the sender's second transaction.
      await withTenant(world.tenantId, (tx) =>
        tx.insert(messageStatuses).values({ tenantId: world.tenantId, wamid, status: "delivered", occurredAt: new Date(), payload: {} }),
      );
      return answer;
    });
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message.status).toBe("delivered");
  });

  it("keeps the access token and the message text out of every log line", async () => {
    process.env.LOG_LEVEL = "debug";
    resetEnvForTests();
    try {
      const world = await outboundWorld();
      const text = "Secret order details 4411";
      graph.queue(
        "messages",
        reply.fixture("error-130429-rate-limit-400"),
        reply.fixture("send-text-response-200"),
        reply.hang(),
        reply.fixture("error-190-token-expired-401"),
      );
      const { output } = await captureOutput(async () => {
        await sendReply(world.actor, reply1(world, text), deps());
        await sendReply(world.actor, reply1(world, text), impatient());
        await sendReply(world.actor, reply1(world, text), deps());
      });
      expect(output).toContain("graph_retry");
      expect(output).toContain("message_sent");
      expect(output).toContain("message_send_failed");
      expect(output).not.toContain(world.token!);
      expect(output).not.toContain(world.token!.slice(5));
      expect(output).not.toContain(text);
    } finally {
      process.env.LOG_LEVEL = "warn";
      resetEnvForTests();
    }
  });
});

describe("refusals before anything is sent", () => {
  it("refuses free text once 24 hours have passed since the customer's last message, saying when the window closed", async () => {
    const lastInboundAt = new Date(Date.now() - 25 * 60 * 60 * 1000);
    const world = await outboundWorld({ lastInboundAt });
    const input = reply1(world);
    const refused = await refusal(sendReply(world.actor, input, deps()));
    expect(refused).toMatchObject({ code: "window_closed", message: windowClosedReason });
    expect(new Date(refused.details!.closedAt as string).getTime()).toBe(lastInboundAt.getTime() + 24 * 60 * 60 * 1000);
    expect(graph.requests).toHaveLength(0);
    expect(await storedMessage(world, input.messageId)).toBeUndefined();
  });

  it("refuses free text to a customer who never wrote", async () => {
    const world = await outboundWorld({ lastInboundAt: null });
    const refused = await refusal(sendReply(world.actor, reply1(world), deps()));
    expect(refused).toMatchObject({ code: "window_closed", details: { closedAt: null } });
  });

  it("refuses more than 4096 characters, counting characters rather than UTF-16 units", async () => {
    const world = await outboundWorld();
    expect((await sendReply(world.actor, reply1(world, "👍".repeat(4096)), deps())).status).toBe("sent");
    const refused = await refusal(sendReply(world.actor, reply1(world, "a".repeat(4097)), deps()));
    expect(refused).toMatchObject({ code: "invalid", message: "A WhatsApp message can be at most 4096 characters." });
    expect(await refusal(sendReply(world.actor, reply1(world, "   "), deps()))).toMatchObject({ message: "Type a message first." });
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("does not find another workspace's conversation", async () => {
    const mine = await outboundWorld();
    const theirs = await outboundWorld();
    const error = await sendReply(mine.actor, reply1(theirs), deps()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AppError", kind: "not_found" });
    expect(graph.requests).toHaveLength(0);
  });

  it("refuses to quote a message of another conversation", async () => {
    const world = await outboundWorld();
    const other = await outboundWorld();
    const error = await sendReply(world.actor, reply1(world, "hi", { replyToMessageId: other.inbound.id }), deps()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AppError", kind: "not_found" });
  });
});

describe("sandbox numbers", () => {
  it("stores the reply as not sent (sandbox) and never calls Meta", async () => {
    const world = await outboundWorld({ token: null });
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message).toMatchObject({ status: "sandbox", wamid: null, error: null });
    expect(canRetry(message)).toBe(false);
    expect(graph.requests).toHaveLength(0);
  });
});

describe("retrying a failed message", () => {
  it("sends the same message again under the same id, once even when clicked twice", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const failed = await sendReply(world.actor, reply1(world), deps());
    expect(failed.status).toBe("failed");

    const [a, b] = await Promise.all([
      retryMessage(world.actor, { messageId: failed.id }, deps()),
      retryMessage(world.actor, { messageId: failed.id }, deps()),
    ]);
    expect([a.id, b.id]).toEqual([failed.id, failed.id]);
    expect(graph.calls("messages")).toHaveLength(2);
    expect(graph.calls("messages")[1]!.body).toEqual(graph.calls("messages")[0]!.body);
    expect(await storedMessage(world, failed.id)).toMatchObject({ status: "sent", error: null });
  });

  it("retries a message left pending by a process that died mid-send, but not one still in flight", async () => {
    const world = await outboundWorld();
    const input = reply1(world);
    const release = holdNextSend();
    const inFlight = sendReply(world.actor, input, deps());
    await vi.waitFor(() => expect(graph.calls("messages")).toHaveLength(1));
    expect(await retryMessage(world.actor, { messageId: input.messageId }, deps())).toMatchObject({ status: "pending" });
    release();
    await inFlight;

    // As if a process had claimed this one long ago and died before storing the outcome.
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const orphan = await sendReply(world.actor, reply1(world), deps());
    await withTenant(world.tenantId, (tx) =>
      tx
        .update(messages)
        .set({ status: "pending", error: null, sentAt: new Date(Date.now() - stalePendingMs - 1000) })
        .where(eq(messages.id, orphan.id)),
    );
    expect(await retryMessage(world.actor, { messageId: orphan.id }, deps())).toMatchObject({ status: "sent" });
    expect(graph.calls("messages")).toHaveLength(3);
  });

  it("leaves a sent message alone", async () => {
    const world = await outboundWorld();
    const sent = await sendReply(world.actor, reply1(world), deps());
    expect(await retryMessage(world.actor, { messageId: sent.id }, deps())).toEqual(sent);
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("refuses to retry free text once the window has closed", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.metaError(500, 131000, "Something went wrong"), reply.metaError(500, 131000, "x"), reply.metaError(500, 131000, "x"), reply.metaError(500, 131000, "x"));
    const failed = await sendReply(world.actor, reply1(world), deps());
    await withTenant(world.tenantId, (tx) =>
      tx.update(conversations).set({ lastInboundAt: new Date(Date.now() - 30 * 60 * 60 * 1000) }).where(eq(conversations.id, world.conversation.id)),
    );
    expect((await refusal(retryMessage(world.actor, { messageId: failed.id }, deps()))).code).toBe("window_closed");
  });

  it("does not retry another workspace's message", async () => {
    const mine = await outboundWorld();
    const theirs = await outboundWorld();
    graph.queue("messages", reply.fixture("error-131047-reengagement-400"));
    const failed = await sendReply(theirs.actor, reply1(theirs), deps());
    const error = await retryMessage(mine.actor, { messageId: failed.id }, deps()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AppError", kind: "not_found" });
  });
});

describe("sending a template", () => {
  async function withTemplate(world: OutboundWorld) {
    const [template] = await withTenant(world.tenantId, (tx) =>
      tx
        .insert(messageTemplates)
        .values({
          tenantId: world.tenantId,
          wabaId: world.number.wabaId,
          metaTemplateId: "880000000000001",
          name: "order_update",
          language: "es_MX",
          category: "UTILITY",
          components: [{ type: "BODY", text: "Tu pedido {{1}} va en camino." }],
          syncedAt: new Date(),
        })
        .returning(),
    );
    return template!;
  }

  it("sends it as type template with its variables, even after the window closed", async () => {
    const world = await outboundWorld({ lastInboundAt: new Date(Date.now() - 72 * 60 * 60 * 1000) });
    const template = await withTemplate(world);
    const message = await sendTemplate(
      world.actor,
      { conversationId: world.conversation.id, messageId: randomUUID(), templateId: template.id, variables: { "body.1": "1042" } },
      deps(),
    );
    expect(message).toMatchObject({ type: "template", status: "sent", text: "Tu pedido 1042 va en camino." });
    expect(graph.calls("messages")[0]!.body).toEqual({ ...fixtureJson<object>("graph", "template-send-request"), recipient_type: "individual" });
  });

  it("asks for every variable before sending", async () => {
    const world = await outboundWorld();
    const template = await withTemplate(world);
    const refused = await refusal(
      sendTemplate(world.actor, { conversationId: world.conversation.id, messageId: randomUUID(), templateId: template.id, variables: { "body.1": " " } }, deps()),
    );
    expect(refused).toMatchObject({ code: "invalid", message: "Fill in Body {{1}}." });
    expect(graph.requests).toHaveLength(0);
  });

  it("does not send another workspace's template", async () => {
    const world = await outboundWorld();
    const other = await outboundWorld();
    const theirs = await withTemplate(other);
    const error = await sendTemplate(
      world.actor,
      { conversationId: world.conversation.id, messageId: randomUUID(), templateId: theirs.id, variables: { "body.1": "1" } },
      deps(),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AppError", kind: "not_found" });
  });
});
