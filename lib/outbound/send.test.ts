import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, inject, it, vi } from "vitest";
import { database, db, openDatabase } from "@/db/client";
import { businessNumbers, contacts, conversations, messageStatuses, messageTemplates, messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { databaseUrl } from "@/testing/db/databases";
import { resetEnvForTests } from "@/lib/config/env";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { eventsChannel } from "@/lib/realtime/events";
import { fixtureJson } from "@/testing/fixtures";
import { reply, type FakeReply } from "@/testing/fake-graph-server";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { AppError } from "@/lib/domain/errors";
import { numberRemovedReason, tokenExpiredReason, tokenUnreadableReason, windowClosedReason } from "./failures";
import { canRetry, stalePendingMs } from "./message-state";
import type { Actor, Deps } from "@/lib/domain/context";
import { parseInput } from "@/lib/edge/input";
import * as send from "./send";
import { claimOutboundMessage, retryMessageSchema, sendReplySchema, sendTemplateSchema } from "./send";
import { outboundWorld, type OutboundWorld } from "@/testing/outbound";
import { captureLogs } from "@/testing/logs";

const graph = fakeGraphPerFile();

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

/** An approved template of the world's WABA with one body variable (`Tu pedido {{1}} va en camino.`). */
async function orderUpdateTemplate(world: OutboundWorld, overrides: Partial<typeof messageTemplates.$inferInsert> = {}) {
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
        ...overrides,
      })
      .returning(),
  );
  return template!;
}

describe("sending a reply", () => {
  it("sends through Meta with the number's token and stores the returned wamid", async () => {
    const world = await outboundWorld();
    const input = reply1(world);
    const message = await sendReply(world.actor, input, deps());

    expect(message).toMatchObject({ id: input.messageId, direction: "outbound", type: "text", status: "sent", text: input.text, authorUserId: world.actor.userId });
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
      // On Postgres a NOTIFY reaches the listener some time after the commit: wait for it.
      await vi.waitFor(
        () => {
          expect(heard.filter((e) => e.messageId === message.id).map((e) => e.type)).toEqual(["message.created", "message.updated"]);
          expect(heard.some((e) => e.type === "conversation.updated")).toBe(true);
        },
        { timeout: 10_000 },
      );
    } finally {
      await stop();
    }
  });

  it("tells the workspace when Meta refused the message, so the thread shows it failed", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const message = await listenWhile(
      () => sendReply(world.actor, reply1(world), deps()),
      (sent, heard) =>
        expect(heard.filter((e) => e.messageId === sent.id).map((e) => [e.type, e.conversationId])).toEqual([
          ["message.created", world.conversation.id],
          ["message.updated", world.conversation.id],
        ]),
    );
    expect(message.status).toBe("failed");
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
      const { output } = await captureLogs(async () => {
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
    expect(error).toMatchObject({ name: "AppError", kind: "not_found", message: "Conversation not found in this workspace." });
    expect(graph.requests).toHaveLength(0);
  });

  it("refuses to quote a message of another conversation", async () => {
    const world = await outboundWorld();
    const other = await outboundWorld();
    const error = await sendReply(world.actor, reply1(world, "hi", { replyToMessageId: other.inbound.id }), deps()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AppError", kind: "not_found", message: "Message not found in this workspace." });
  });
});

describe("sandbox numbers", () => {
  it("stores the reply as not sent (sandbox) and never calls Meta", async () => {
    const world = await outboundWorld({ token: null });
    const { result: message, output } = await captureLogs(() => sendReply(world.actor, reply1(world), deps()));
    // Nothing for an operator to chase: a sandbox number has no token to be unreadable.
    expect(output).toBe("");
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
    await vi.waitFor(() => expect(graph.calls("messages")).toHaveLength(1), { timeout: 10_000 });
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
    expect(error).toMatchObject({ name: "AppError", kind: "not_found", message: "Message not found in this workspace." });
  });
});

describe("sending a template", () => {
  it("sends it as type template with its variables, even after the window closed", async () => {
    const world = await outboundWorld({ lastInboundAt: new Date(Date.now() - 72 * 60 * 60 * 1000) });
    const template = await orderUpdateTemplate(world);
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
    const template = await orderUpdateTemplate(world);
    const refused = await refusal(
      sendTemplate(world.actor, { conversationId: world.conversation.id, messageId: randomUUID(), templateId: template.id, variables: { "body.1": " " } }, deps()),
    );
    expect(refused).toMatchObject({ code: "invalid", message: "Fill in Body {{1}}." });
    expect(graph.requests).toHaveLength(0);
  });

  const templateInput = (world: OutboundWorld, templateId: string, variables: Record<string, string> = { "body.1": "1042" }) => ({
    conversationId: world.conversation.id,
    messageId: randomUUID(),
    templateId,
    variables,
  });

  it("answers a repeated template request while the first is still in flight with the pending message, sending once", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world);
    const input = templateInput(world, template.id);
    const release = holdNextSend();
    const first = sendTemplate(world.actor, input, deps());
    await expect.poll(() => graph.calls("messages").length, { timeout: 20_000 }).toBe(1);
    expect(await sendTemplate(world.actor, input, deps())).toMatchObject({ id: input.messageId, status: "pending" });
    release();
    expect(await first).toMatchObject({ status: "sent" });
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("sends a template without variables when the request names none", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world, { name: "thanks", components: [{ type: "BODY", text: "¡Gracias por tu compra!" }] });
    const message = await sendTemplate(world.actor, { conversationId: world.conversation.id, messageId: randomUUID(), templateId: template.id }, deps());
    expect(message).toMatchObject({ status: "sent", text: "¡Gracias por tu compra!" });
    expect(graph.calls("messages")[0]!.body).toMatchObject({ type: "template", template: { name: "thanks" } });
  });

  it("refuses a template of another WhatsApp Business Account, saying to pick one of the number's own", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world, { wabaId: "999000000000001" });
    const input = templateInput(world, template.id);
    expect(await refusal(sendTemplate(world.actor, input, deps()))).toMatchObject({
      code: "template_unavailable",
      message: "This template belongs to another WhatsApp Business Account than this conversation's number — pick one of its own templates.",
    });
    expect(graph.requests).toHaveLength(0);
    expect(await storedMessage(world, input.messageId)).toBeUndefined();
  });

  it("refuses a template Switchboard cannot send, saying why", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world, {
      components: [{ type: "HEADER", format: "IMAGE" }, { type: "BODY", text: "Tu pedido {{1}} va en camino." }],
    });
    expect(await refusal(sendTemplate(world.actor, templateInput(world, template.id), deps()))).toMatchObject({
      code: "template_unavailable",
      message: "This template has a image header, which Switchboard cannot send yet.",
    });
    expect(graph.requests).toHaveLength(0);
  });

  it("refuses a value over 1024 characters, and accepts one of exactly 1024", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world);
    expect(await refusal(sendTemplate(world.actor, templateInput(world, template.id, { "body.1": "9".repeat(1025) }), deps()))).toMatchObject({
      code: "invalid",
      message: "A template value can be at most 1024 characters.",
    });
    expect(await sendTemplate(world.actor, templateInput(world, template.id, { "body.1": "9".repeat(1024) }), deps())).toMatchObject({ status: "sent" });
  });

  it("stores a sandbox number's template as not sent, with the text the thread shows, and answers a repeat with it", async () => {
    const world = await outboundWorld({ token: null });
    const template = await orderUpdateTemplate(world);
    const input = templateInput(world, template.id);
    const message = await sendTemplate(world.actor, input, deps());
    expect(message).toMatchObject({ status: "sandbox", type: "template", text: "Tu pedido 1042 va en camino.", authorUserId: world.actor.userId });
    expect(await sendTemplate(world.actor, input, deps())).toEqual(message);
    expect(graph.requests).toHaveLength(0);
  });

  it("does not send another workspace's template", async () => {
    const world = await outboundWorld();
    const other = await outboundWorld();
    const theirs = await orderUpdateTemplate(other);
    const error = await sendTemplate(
      world.actor,
      { conversationId: world.conversation.id, messageId: randomUUID(), templateId: theirs.id, variables: { "body.1": "1" } },
      deps(),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AppError", kind: "not_found", message: "Template not found in this workspace." });
  });
});

/** Another conversation in the same workspace, on the same number, with another customer. */
async function secondConversation(world: OutboundWorld) {
  return withTenant(world.tenantId, async (tx) => {
    const [contact] = await tx.insert(contacts).values({ tenantId: world.tenantId, waId: "5215587654321", profileName: "Luis" }).returning();
    const [conversation] = await tx
      .insert(conversations)
      .values({ tenantId: world.tenantId, businessNumberId: world.number.id, contactId: contact!.id, lastInboundAt: new Date(), lastMessageAt: new Date() })
      .returning();
    return conversation!;
  });
}

/** Meta accepts the send with `wamid`; its status webhooks for it land before the sender stores the wamid. */
function acceptedAfterStatuses(world: OutboundWorld, reported: { status: string; payload?: unknown }[], wamid = `wamid.OUT.${randomUUID()}`) {
  graph.queue("messages", async () => {
    await withTenant(world.tenantId, (tx) =>
      tx
        .insert(messageStatuses)
        .values(reported.map((r) => ({ tenantId: world.tenantId, wamid, status: r.status, occurredAt: new Date(), payload: r.payload ?? {} }))),
    );
    return accepted(wamid);
  });
}

const accepted = (wamid: string) =>
  reply.json(200, { messaging_product: "whatsapp", contacts: [{ input: "5215512345678", wa_id: "5215512345678" }], messages: [{ id: wamid }] });

function parsedLines(output: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

type Heard = { type: string; messageId?: string; conversationId?: string };

/**
 * Runs `work` while listening to the workspace events, and keeps listening until `expectHeard`
 * passes: on Postgres a NOTIFY reaches the listener some time after the commit.
 */
async function listenWhile<T>(work: () => Promise<T>, expectHeard: (result: T, heard: Heard[]) => void): Promise<T> {
  const heard: Heard[] = [];
  const stop = await database().listen(eventsChannel, (payload) => heard.push(JSON.parse(payload)));
  try {
    const result = await work();
    await vi.waitFor(() => expectHeard(result, heard), { timeout: 10_000 });
    return result;
  } finally {
    await stop();
  }
}

describe("statuses Meta reported before the wamid was stored", () => {
  it("stores read when read was reported, even beside delivered and sent", async () => {
    const world = await outboundWorld();
    acceptedAfterStatuses(world, [{ status: "sent" }, { status: "delivered" }, { status: "read" }]);
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message).toMatchObject({ status: "read", error: null });
    expect(await storedMessage(world, message.id)).toMatchObject({ status: "read", wamid: message.wamid });
  });

  it("stores delivered over sent", async () => {
    const world = await outboundWorld();
    acceptedAfterStatuses(world, [{ status: "sent" }, { status: "delivered" }]);
    expect(await sendReply(world.actor, reply1(world), deps())).toMatchObject({ status: "delivered", error: null });
  });

  it("stores sent when only sent was reported", async () => {
    const world = await outboundWorld();
    acceptedAfterStatuses(world, [{ status: "sent" }]);
    expect(await sendReply(world.actor, reply1(world), deps())).toMatchObject({ status: "sent", error: null });
  });

  it("stores a reported failure with Meta's reason, as the thread shows it", async () => {
    const world = await outboundWorld();
    const reported = fixtureJson<{ entry: { changes: { value: { statuses: unknown[] } }[] }[] }>("whatsapp", "status-failed").entry[0]!.changes[0]!
      .value.statuses[0];
    acceptedAfterStatuses(world, [{ status: "sent" }, { status: "failed", payload: reported }]);
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message).toMatchObject({ status: "failed" });
    expect(message.error).toEqual({
      reason: windowClosedReason,
      code: 131047,
      title: "Re-engagement message",
      message: "Re-engagement message",
      details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    });
    expect(canRetry(message)).toBe(true);
  });

  it("describes a reported failure by its message when it has no title, and says so when it has no error at all", async () => {
    const world = await outboundWorld();
    acceptedAfterStatuses(world, [
      { status: "failed", payload: { errors: [{ code: 131026, message: "Message undeliverable", error_data: { details: "Not on WhatsApp." } }] } },
    ]);
    expect((await sendReply(world.actor, reply1(world), deps())).error).toEqual({
      reason: "Message undeliverable — Not on WhatsApp.",
      code: 131026,
      title: null,
      message: "Message undeliverable",
      details: "Not on WhatsApp.",
    });
    acceptedAfterStatuses(world, [{ status: "failed", payload: { errors: [{ code: 131051, title: "Unsupported message type", error_data: {} }] } }]);
    expect((await sendReply(world.actor, reply1(world), deps())).error).toEqual({
      reason: "Unsupported message type",
      code: 131051,
      title: "Unsupported message type",
      message: null,
      details: null,
    });
    acceptedAfterStatuses(world, [{ status: "failed", payload: { errors: [{ code: 131049 }] } }]);
    expect((await sendReply(world.actor, reply1(world), deps())).error).toMatchObject({ reason: "WhatsApp error 131049", code: 131049 });
    for (const payload of [{}, { errors: [] }, { errors: "unreadable" }]) {
      acceptedAfterStatuses(world, [{ status: "failed", payload }]);
      expect((await sendReply(world.actor, reply1(world), deps())).error).toEqual({
        reason: "WhatsApp refused the message",
        code: null,
        title: null,
        message: null,
        details: null,
      });
    }
  });
});

describe("an outcome that arrives after another attempt already settled the message", () => {
  /** A send whose Graph call waits for the test, then a retry of it once it looks abandoned. */
  async function abandonedThenRetried(world: OutboundWorld, late: FakeReply, retryAnswer: FakeReply) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    graph.queue("messages", async () => {
      await released;
      return late;
    });
    const input = reply1(world);
    const first = sendReply(world.actor, input, deps());
    await expect.poll(() => graph.calls("messages").length, { timeout: 20_000 }).toBe(1);
    // The first attempt has hung long enough to count as abandoned.
    await withTenant(world.tenantId, (tx) =>
      tx.update(messages).set({ sentAt: new Date(Date.now() - stalePendingMs - 1000) }).where(eq(messages.id, input.messageId)),
    );
    graph.queue("messages", retryAnswer);
    const retried = await retryMessage(world.actor, { messageId: input.messageId }, deps());
    release();
    return { retried, late: await first, id: input.messageId };
  }

  it("keeps the retry's success when the abandoned attempt fails late", async () => {
    const world = await outboundWorld();
    const { retried, late, id } = await abandonedThenRetried(
      world,
      reply.metaError(400, 131026, "(#131026) Message undeliverable"),
      accepted("wamid.RETRIED"),
    );
    expect(retried).toMatchObject({ status: "sent", wamid: "wamid.RETRIED" });
    expect(late).toMatchObject({ status: "sent", wamid: "wamid.RETRIED", error: null });
    expect(await storedMessage(world, id)).toMatchObject({ status: "sent", wamid: "wamid.RETRIED", error: null });
  });

  it("keeps the wamid stored first when the abandoned attempt is accepted late", async () => {
    const world = await outboundWorld();
    const { late, id } = await abandonedThenRetried(world, accepted("wamid.LATE"), accepted("wamid.RETRIED"));
    expect(late).toMatchObject({ status: "sent", wamid: "wamid.RETRIED" });
    expect(await storedMessage(world, id)).toMatchObject({ status: "sent", wamid: "wamid.RETRIED" });
  });
});

describe("more refusals before anything is sent", () => {
  async function removeNumber(world: OutboundWorld) {
    await withTenant(world.tenantId, (tx) =>
      tx.update(businessNumbers).set({ removedAt: new Date() }).where(eq(businessNumbers.id, world.number.id)),
    );
  }

  it("refuses a reply, a template and a retry from a number removed from the workspace", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world);
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const failed = await sendReply(world.actor, reply1(world), deps());
    await removeNumber(world);

    const input = reply1(world);
    // One after the other: started together, a refusal not yet awaited would go unhandled.
    for (const attempt of [
      () => sendReply(world.actor, input, deps()),
      () => sendTemplate(world.actor, { conversationId: world.conversation.id, messageId: input.messageId, templateId: template.id, variables: { "body.1": "1" } }, deps()),
      () => retryMessage(world.actor, { messageId: failed.id }, deps()),
    ]) {
      expect(await refusal(attempt())).toMatchObject({ code: "number_removed", message: numberRemovedReason });
    }
    expect(graph.calls("messages")).toHaveLength(1);
    expect(await storedMessage(world, input.messageId)).toBeUndefined();
    expect(await storedMessage(world, failed.id)).toMatchObject({ status: "failed" });
  });

  it("refuses to quote a message that never reached WhatsApp", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const failed = await sendReply(world.actor, reply1(world), deps());
    const input = reply1(world, "Sobre eso…", { replyToMessageId: failed.id });
    expect(await refusal(sendReply(world.actor, input, deps()))).toMatchObject({
      code: "invalid",
      message: "That message never reached WhatsApp, so a reply cannot quote it.",
    });
    expect(await storedMessage(world, input.messageId)).toBeUndefined();
  });

  it("refuses a message id already used by a message of another conversation, and says what to do", async () => {
    const world = await outboundWorld();
    const other = await secondConversation(world);
    const sent = await sendReply(world.actor, { ...reply1(world), conversationId: other.id }, deps());
    const refused = await refusal(sendReply(world.actor, { ...reply1(world), messageId: sent.id }, deps()));
    expect(refused).toMatchObject({
      code: "id_in_use",
      message: "This message id already belongs to another message — reload the page and send again.",
    });
    expect(graph.calls("messages")).toHaveLength(1);
    expect(await storedMessage(world, sent.id)).toEqual(sent);
  });

  it("refuses to quote a message of another conversation of the same workspace", async () => {
    const world = await outboundWorld();
    const other = await secondConversation(world);
    const elsewhere = await sendReply(world.actor, { ...reply1(world), conversationId: other.id }, deps());
    const input = reply1(world, "Sobre eso…", { replyToMessageId: elsewhere.id });
    expect(await sendReply(world.actor, input, deps()).catch((e: unknown) => e)).toMatchObject({ name: "AppError", kind: "not_found", message: "Message not found in this workspace." });
    expect(await storedMessage(world, input.messageId)).toBeUndefined();
  });

  it("refuses an inbound message's id in its own conversation", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world);
    const refused = await refusal(
      sendTemplate(world.actor, { conversationId: world.conversation.id, messageId: world.inbound.id, templateId: template.id, variables: { "body.1": "1" } }, deps()),
    );
    expect(refused.code).toBe("id_in_use");
    expect(graph.requests).toHaveLength(0);
  });

  it("says which field is wrong in a malformed request", async () => {
    const world = await outboundWorld();
    const refused = await refusal(sendReply(world.actor, { ...reply1(world), conversationId: "not-a-conversation" }, deps()));
    expect(refused.code).toBe("invalid");
    expect(refused.message).toMatch(/uuid/i);
    expect((await refusal(retryMessage(world.actor, { messageId: "42" }, deps()))).code).toBe("invalid");
  });
});

describe("a token that cannot be used", () => {
  it("fails the message without calling Meta when the token cannot be decrypted, and flags the number", async () => {
    const world = await outboundWorld();
    // Sealed for another number: what a changed encryption key looks like to the sender.
    await withTenant(world.tenantId, (tx) =>
      tx.update(businessNumbers).set({ accessTokenEncrypted: encryptSecret(world.token!, randomUUID()) }).where(eq(businessNumbers.id, world.number.id)),
    );
    const message = await sendReply(world.actor, reply1(world), deps());
    expect(message).toMatchObject({ status: "failed", wamid: null });
    expect(message.error).toEqual({ reason: tokenUnreadableReason, code: null, title: null, message: null, details: null });
    expect(graph.requests).toHaveLength(0);
    expect(await refusal(sendReply(world.actor, reply1(world), deps()))).toMatchObject({ code: "token_invalid" });
  });

  it("still stores a sandbox number's reply when the token it used to have was flagged", async () => {
    const world = await outboundWorld({ token: null });
    await withTenant(world.tenantId, (tx) =>
      tx.update(businessNumbers).set({ accessTokenInvalidAt: new Date() }).where(eq(businessNumbers.id, world.number.id)),
    );
    expect(await sendReply(world.actor, reply1(world), deps())).toMatchObject({ status: "sandbox" });
    expect(graph.requests).toHaveLength(0);
  });
});

describe("what the operator's log says about a send", () => {
  it("names the message, conversation and number when a send succeeds or fails, with Meta's code and trace id", async () => {
    process.env.LOG_LEVEL = "info";
    resetEnvForTests();
    try {
      const world = await outboundWorld();
      graph.queue("messages", reply.fixture("send-text-response-200"), reply.metaError(400, 131026, "(#131026) Message undeliverable"));
      const { output, result } = await captureLogs(async () => [
        await sendReply(world.actor, reply1(world), deps()),
        await sendReply(world.actor, reply1(world), deps()),
      ]);
      const lines = parsedLines(output);
      const ids = (m: { id: string }) => ({ tenantId: world.tenantId, conversationId: world.conversation.id, numberId: world.number.id, messageId: m.id });
      expect(lines.find((l) => l.event === "message_sent")).toMatchObject({ level: "info", ...ids(result[0]!) });
      expect(lines.find((l) => l.event === "message_send_failed")).toMatchObject({
        level: "warn",
        ...ids(result[1]!),
        kind: "api",
        httpStatus: 400,
        code: 131026,
        fbtraceId: "FakeTrace",
      });
    } finally {
      process.env.LOG_LEVEL = "warn";
      resetEnvForTests();
    }
  });
});

describe("repeated requests after things changed", () => {
  it("answers a repeated reply with the stored message even once the window has closed", async () => {
    const world = await outboundWorld();
    const input = reply1(world);
    const first = await sendReply(world.actor, input, deps());
    await withTenant(world.tenantId, (tx) =>
      tx.update(conversations).set({ lastInboundAt: new Date(Date.now() - 30 * 60 * 60 * 1000) }).where(eq(conversations.id, world.conversation.id)),
    );
    expect(await sendReply(world.actor, input, deps())).toEqual(first);
    expect(await retryMessage(world.actor, { messageId: first.id }, deps())).toEqual(first);
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("answers a repeated template with the stored message even once its number was removed", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world);
    const input = { conversationId: world.conversation.id, messageId: randomUUID(), templateId: template.id, variables: { "body.1": "1042" } };
    const first = await sendTemplate(world.actor, input, deps());
    await withTenant(world.tenantId, (tx) => tx.update(businessNumbers).set({ removedAt: new Date() }).where(eq(businessNumbers.id, world.number.id)));
    expect(await sendTemplate(world.actor, input, deps())).toEqual(first);
    expect(graph.calls("messages")).toHaveLength(1);
  });
});

describe("retrying, further", () => {
  it("moves the conversation to the top and tells the workspace the message changed", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const failed = await sendReply(world.actor, reply1(world), deps());
    await withTenant(world.tenantId, (tx) =>
      tx.update(conversations).set({ lastMessageAt: new Date(Date.now() - 60 * 60 * 1000) }).where(eq(conversations.id, world.conversation.id)),
    );
    const retried = await listenWhile(
      () => retryMessage(world.actor, { messageId: failed.id }, deps()),
      (_, heard) => {
        expect(heard.filter((e) => e.messageId === failed.id).map((e) => [e.type, e.conversationId])).toEqual([
          ["message.updated", world.conversation.id],
          ["message.updated", world.conversation.id],
        ]);
        expect(heard).toContainEqual(expect.objectContaining({ type: "conversation.updated", conversationId: world.conversation.id }));
      },
    );
    expect(retried).toMatchObject({ status: "sent", error: null });
    expect(retried.sentAt.getTime()).toBeGreaterThan(failed.sentAt.getTime());
    const [conversation] = await withTenant(world.tenantId, (tx) => tx.select().from(conversations).where(eq(conversations.id, world.conversation.id)));
    expect(conversation!.lastMessageAt.getTime()).toBe(retried.sentAt.getTime());
  });

  it("sends a failed template again after the 24-hour window closed", async () => {
    const world = await outboundWorld();
    const template = await orderUpdateTemplate(world);
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const failed = await sendTemplate(
      world.actor,
      { conversationId: world.conversation.id, messageId: randomUUID(), templateId: template.id, variables: { "body.1": "1042" } },
      deps(),
    );
    await withTenant(world.tenantId, (tx) =>
      tx.update(conversations).set({ lastInboundAt: new Date(Date.now() - 30 * 60 * 60 * 1000) }).where(eq(conversations.id, world.conversation.id)),
    );
    expect(await retryMessage(world.actor, { messageId: failed.id }, deps())).toMatchObject({ status: "sent", type: "template" });
    expect(graph.calls("messages")[1]!.body).toEqual(graph.calls("messages")[0]!.body);
  });

  it("stores the retry as not sent (sandbox) when the number's token was removed meanwhile", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const failed = await sendReply(world.actor, reply1(world), deps());
    await withTenant(world.tenantId, (tx) =>
      tx.update(businessNumbers).set({ accessTokenEncrypted: null, accessTokenLast4: null }).where(eq(businessNumbers.id, world.number.id)),
    );
    expect(await retryMessage(world.actor, { messageId: failed.id }, deps())).toMatchObject({ status: "sandbox", error: null });
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("refuses to resend a message whose stored body is not one it can send, asking for it to be written anew", async () => {
    const world = await outboundWorld();
    graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
    const failed = await sendReply(world.actor, reply1(world), deps());
    await withTenant(world.tenantId, (tx) =>
      tx.update(messages).set({ payload: { type: "image", image: { id: "1" } } }).where(eq(messages.id, failed.id)),
    );
    expect(await refusal(retryMessage(world.actor, { messageId: failed.id }, deps()))).toMatchObject({
      code: "not_retryable",
      message: "This message cannot be sent again — write it anew.",
    });
    expect(graph.calls("messages")).toHaveLength(1);
  });

  // Two retries that both read the message as failed before either claimed it: only the
  // claim's own condition decides. Another connection's claim holds the row until this
  // retry waits on it, so the race happens on every run; PGlite has one connection.
  it.runIf(inject("testDatabase").kind === "postgres")(
    "sends nothing when another retry claimed the message after this one read it",
    async () => {
      const target = inject("testDatabase") as { kind: "postgres"; serverUrl: string };
      const world = await outboundWorld();
      graph.queue("messages", reply.metaError(400, 131026, "(#131026) Message undeliverable"));
      const failed = await sendReply(world.actor, reply1(world), deps());
      const [{ name }] = (await db().execute(sql`select current_database() as name`)) as unknown as [{ name: string }];
      const other = openDatabase({ kind: "postgres", url: databaseUrl(target.serverUrl, name), poolMax: 1 });
      try {
        let retried!: Promise<unknown>;
        await other.db.transaction(async (tx) => {
          await tx.update(messages).set({ status: "pending", error: null, sentAt: new Date() }).where(eq(messages.id, failed.id));
          retried = retryMessage(world.actor, { messageId: failed.id }, deps());
          await expect
            .poll(async () => {
              const rows = (await db().execute(
                sql`select count(*)::int as n from pg_stat_activity where datname = ${name} and wait_event_type = 'Lock'`,
              )) as unknown as [{ n: number }];
              return rows[0].n;
            }, { timeout: 20_000 })
            .toBe(1);
        });
        expect(await retried).toMatchObject({ id: failed.id, status: "pending" });
        expect(graph.calls("messages")).toHaveLength(1);
      } finally {
        await other.close();
      }
    },
  );

  it("does not find a customer's message, or an id nobody used, to retry", async () => {
    const world = await outboundWorld();
    for (const messageId of [world.inbound.id, randomUUID()]) {
      expect(await retryMessage(world.actor, { messageId }, deps()).catch((e: unknown) => e)).toMatchObject({ name: "AppError", kind: "not_found", message: "Message not found in this workspace." });
    }
    expect(graph.requests).toHaveLength(0);
  });
});
