import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { withPlatform } from "@/db/platform";
import { businessNumbers, messageTemplates, messages, workspaces } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestMember } from "@/testing/db/factories";
import { env, resetEnvForTests } from "@/lib/config/env";
import { tokenExpiredReason, windowClosedReason } from "@/lib/outbound/failures";
import { updateNumber } from "@/lib/workspace/numbers";
import { outboundWorld, type OutboundWorld } from "@/testing/outbound";
import { actAs } from "@/testing/next-request";
import { fixtureJson } from "@/testing/fixtures";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { reply } from "@/testing/fake-graph-server";
import { captureLogs } from "@/testing/logs";
import { GET as composer } from "./conversations/[conversationId]/composer/route";
import { POST as sendReply } from "./conversations/[conversationId]/replies/route";
import { POST as sendTemplate } from "./conversations/[conversationId]/template-messages/route";
import { GET as media } from "./messages/[messageId]/media/route";
import { POST as retry } from "./messages/[messageId]/retry/route";
import { POST as syncTemplates } from "./templates/sync/route";

vi.mock("next/headers", () => import("@/testing/next-request"));

/**
 * The outbound API as the composer calls it: real signed-in users, a real database, and
 * Meta played by the fake Graph server the routes reach through WHATSAPP_GRAPH_URL.
 */
const graph = fakeGraphPerFile({ viaEnv: true });
beforeAll(() => {
  process.env.WHATSAPP_GRAPH_VERSION = "v25.0";
  resetEnvForTests();
});
afterAll(() => {
  delete process.env.WHATSAPP_GRAPH_VERSION;
  resetEnvForTests();
});

type World = OutboundWorld & { slug: string };

async function world(options: Parameters<typeof outboundWorld>[0] = {}): Promise<World> {
  const created = await outboundWorld(options);
  const [workspace] = await withPlatform((tx) => tx.select().from(workspaces).where(eq(workspaces.id, created.tenantId)));
  await actAs(created.actor.userId);
  return { ...created, slug: workspace!.slug };
}

const url = (path: string) => `${env().APP_URL}${path}`;

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Request(url(path), {
    method: "POST",
    headers: { "content-type": "application/json", origin: new URL(env().APP_URL).origin, ...headers },
    body: JSON.stringify(body),
  });
}

const conversationParams = (w: World, conversationId = w.conversation.id) => ({
  params: Promise.resolve({ slug: w.slug, conversationId }),
});
const messageParams = (w: World, messageId: string) => ({ params: Promise.resolve({ slug: w.slug, messageId }) });

function replyTo(w: World, body: Record<string, unknown>, conversationId = w.conversation.id, headers: Record<string, string> = {}) {
  return sendReply(post(`/api/w/${w.slug}/conversations/${conversationId}/replies`, body, headers), conversationParams(w, conversationId));
}

async function stored(w: World, id: string) {
  return withTenant(w.tenantId, async (tx) => (await tx.select().from(messages).where(eq(messages.id, id)))[0]);
}

const sentWamid = fixtureJson<{ messages: { id: string }[] }>("graph", "send-text-response-200").messages[0]!.id;

describe("sending a reply", () => {
  it("sends through Meta and stores the returned wamid", async () => {
    const w = await world();
    const messageId = randomUUID();
    const response = await replyTo(w, { messageId, text: "Sí, hoy enviamos." });

    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.message).toMatchObject({ id: messageId, status: "sent", wamid: sentWamid, text: "Sí, hoy enviamos." });
    expect(await stored(w, messageId)).toMatchObject({ status: "sent", wamid: sentWamid });
    expect(graph.calls("messages")[0]!.body).toMatchObject({ type: "text", text: { body: "Sí, hoy enviamos." } });
  });

  it("sends a message once when the same id arrives twice at the same time", async () => {
    const w = await world();
    const messageId = randomUUID();
    const [first, second] = await Promise.all([
      replyTo(w, { messageId, text: "Una vez" }),
      replyTo(w, { messageId, text: "Una vez" }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(graph.calls("messages")).toHaveLength(1);
    const ids = await withTenant(w.tenantId, (tx) => tx.select({ id: messages.id }).from(messages).where(eq(messages.direction, "outbound")));
    expect(ids).toEqual([{ id: messageId }]);
  });

  it("says the 24-hour window closed when Meta answers 131047, and keeps the message to retry", async () => {
    const w = await world();
    graph.queue("messages", reply.fixture("error-131047-reengagement-400"));
    const messageId = randomUUID();
    const response = await replyTo(w, { messageId, text: "¿Sigue interesado?" });

    expect(response.status).toBe(409);
    const body = await response.json();
    expect(body.error).toBe(windowClosedReason);
    expect(body.message).toMatchObject({ id: messageId, status: "failed" });
    expect(graph.calls("messages")).toHaveLength(1);
  });

  it("refuses free text when the window is already closed, saying when it closed, and sends nothing", async () => {
    const lastInboundAt = new Date(Date.now() - 30 * 60 * 60 * 1000);
    const w = await world({ lastInboundAt });
    const response = await replyTo(w, { messageId: randomUUID(), text: "Hola" });

    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      error: windowClosedReason,
      kind: "window_closed",
      closedAt: new Date(lastInboundAt.getTime() + 24 * 60 * 60 * 1000).toISOString(),
    });
    expect(graph.calls("messages")).toHaveLength(0);
  });

  it("flags the number when Meta says its token expired (190), and never shows or logs the token", async () => {
    const w = await world();
    graph.queue("messages", reply.fixture("error-190-token-expired-401"));
    const { result: response, output } = await captureLogs(() => replyTo(w, { messageId: randomUUID(), text: "Hola" }));

    const text = await response.text();
    expect(response.status).toBe(422);
    expect(JSON.parse(text).error).toBe(tokenExpiredReason);
    const [number] = await withTenant(w.tenantId, (tx) => tx.select().from(businessNumbers).where(eq(businessNumbers.id, w.number.id)));
    expect(number!.accessTokenInvalidAt).toBeInstanceOf(Date);
    expect(text).not.toContain(w.token!);
    expect(output).toContain("message_send_failed");
    expect(output).not.toContain(w.token!);

    const next = await replyTo(w, { messageId: randomUUID(), text: "Otra vez" });
    expect(next.status).toBe(409);
    expect((await next.json()).error).toBe(tokenExpiredReason);
  });

  it("answers a person-readable 422 for an empty or too long text", async () => {
    const w = await world();
    const empty = await replyTo(w, { messageId: randomUUID(), text: "   " });
    expect(empty.status).toBe(422);
    expect((await empty.json()).error).toBe("Type a message first.");
    const long = await replyTo(w, { messageId: randomUUID(), text: "a".repeat(4097) });
    expect(long.status).toBe(422);
    expect((await long.json()).error).toContain("4096");
    expect(graph.calls("messages")).toHaveLength(0);
  });

  it("stores a sandbox number's reply without sending it", async () => {
    const w = await world({ token: null });
    const messageId = randomUUID();
    const response = await replyTo(w, { messageId, text: "Prueba" });
    expect(response.status).toBe(200);
    expect((await response.json()).message).toMatchObject({ id: messageId, status: "sandbox", wamid: null });
    expect(graph.calls("messages")).toHaveLength(0);
  });

  it("retries a failed message with the same id, once for two clicks", async () => {
    const w = await world();
    graph.queue("messages", reply.metaError(400, 131000, "Something went wrong", { error_data: { details: "Try again later" } }));
    const messageId = randomUUID();
    const failed = await replyTo(w, { messageId, text: "Reintento" });
    expect(failed.status).toBe(422);
    expect((await failed.json()).error).toContain("Try again later");

    const retryRequest = () => retry(post(`/api/w/${w.slug}/messages/${messageId}/retry`, {}), messageParams(w, messageId));
    const [first, second] = await Promise.all([retryRequest(), retryRequest()]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(graph.calls("messages")).toHaveLength(2);
    expect(await stored(w, messageId)).toMatchObject({ status: "sent", error: null });
  });
  it("after a 190, refuses Retry with the token message until an admin replaces the token, then sends the same message", async () => {
    const w = await world();
    graph.queueFor(w.contact.waId!, reply.fixture("error-190-token-expired-401"));
    const messageId = randomUUID();
    expect((await replyTo(w, { messageId, text: "Te confirmo el pedido" })).status).toBe(422);

    const retryRequest = () => retry(post(`/api/w/${w.slug}/messages/${messageId}/retry`, {}), messageParams(w, messageId));
    const refused = await retryRequest();
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toBe(tokenExpiredReason);
    expect(await stored(w, messageId)).toMatchObject({ status: "failed", error: { reason: tokenExpiredReason, code: 190 } });

    const admin = await createTestMember(w.tenantId, "admin", "Ada Admin");
    const [number] = await withTenant(w.tenantId, (tx) => tx.select().from(businessNumbers).where(eq(businessNumbers.id, w.number.id)));
    graph.grant({ token: "EAAG-a-fresh-token-0123456789", wabaId: number!.wabaId, phoneNumberIds: [number!.phoneNumberId] });
    await updateNumber({ actor: { tenantId: w.tenantId, userId: admin.id, role: "admin" } }, {
      id: number!.id,
      label: number!.label,
      accessToken: "EAAG-a-fresh-token-0123456789",
    });
    const sent = await retryRequest();
    expect(sent.status).toBe(200);
    expect((await sent.json()).message).toMatchObject({ id: messageId, status: "sent", error: null });
    expect(graph.calls("messages").map((c) => c.authorization)).toEqual([`Bearer ${w.token}`, "Bearer EAAG-a-fresh-token-0123456789"]);
  });
});

describe("the composer's state and templates", () => {
  it("tells an open window from a closed one and lists the account's approved templates", async () => {
    const open = await world();
    const openState = await (await composer(new Request(url("/")), conversationParams(open))).json();
    expect(openState).toMatchObject({ window: { open: true }, sandbox: false, blockedReason: null, templates: [] });

    const lastInboundAt = new Date(Date.now() - 48 * 60 * 60 * 1000);
    const w = await world({ lastInboundAt });
    const admin = await createTestMember(w.tenantId, "admin");
    await actAs(admin.id);
    const synced = await syncTemplates(post(`/api/w/${w.slug}/templates/sync`, {}), { params: Promise.resolve({ slug: w.slug }) });
    expect(synced.status).toBe(200);
    expect((await synced.json()).synced).toEqual([expect.objectContaining({ wabaId: w.number.wabaId })]);

    await actAs(w.actor.userId);
    const state = await (await composer(new Request(url("/")), conversationParams(w))).json();
    expect(state.window).toEqual({ open: false, closedAt: new Date(lastInboundAt.getTime() + 24 * 60 * 60 * 1000).toISOString() });
    expect(state.templates.length).toBeGreaterThan(0);

    const template = state.templates.find((t: { sendable: boolean }) => t.sendable);
    const variables = Object.fromEntries(template.variables.map((v: { key: string }) => [v.key, "A-123"]));
    const messageId = randomUUID();
    const sent = await sendTemplate(
      post(`/api/w/${w.slug}/conversations/${w.conversation.id}/template-messages`, { messageId, templateId: template.id, variables }),
      conversationParams(w),
    );
    expect(sent.status).toBe(200);
    expect((await sent.json()).message).toMatchObject({ id: messageId, status: "sent" });
    expect(graph.calls("messages")[0]!.body).toMatchObject({ type: "template", template: { name: template.name } });
  });

  it("lets an agent send but not sync templates", async () => {
    const w = await world();
    const response = await syncTemplates(post(`/api/w/${w.slug}/templates/sync`, {}), { params: Promise.resolve({ slug: w.slug }) });
    expect(response.status).toBe(404);
    expect(graph.calls("templates")).toHaveLength(0);
    const stored = await withTenant(w.tenantId, (tx) => tx.select().from(messageTemplates));
    expect(stored).toEqual([]);
  });

  it("says a sandbox number's replies are stored but not sent", async () => {
    const w = await world({ token: null });
    const state = await (await composer(new Request(url("/")), conversationParams(w))).json();
    expect(state).toMatchObject({ sandbox: true, blockedReason: null });
  });
});

describe("template sync and sending, by role", () => {
  // The domain functions take no role (sending is every member's job; the periodic sync has
  // no caller), so the route is where the role is decided, and where it is tested.
  const as = async (w: World, role: "owner" | "admin" | "agent") =>
    actAs(role === "agent" ? w.actor.userId : (await createTestMember(w.tenantId, role)).id);
  const sync = (w: World) => syncTemplates(post(`/api/w/${w.slug}/templates/sync`, {}), { params: Promise.resolve({ slug: w.slug }) });

  it.each(["owner", "admin"] as const)("lets an %s sync templates", async (role) => {
    const w = await world();
    await as(w, role);
    expect((await sync(w)).status).toBe(200);
    expect(graph.calls("templates")).toHaveLength(1);
    expect((await withTenant(w.tenantId, (tx) => tx.select().from(messageTemplates))).length).toBeGreaterThan(0);
  });

  it.each(["owner", "admin", "agent"] as const)("lets an %s send a reply", async (role) => {
    const w = await world();
    await as(w, role);
    const messageId = randomUUID();
    expect((await replyTo(w, { messageId, text: "Hola" })).status).toBe(200);
    expect(await stored(w, messageId)).toMatchObject({ status: "sent" });
  });
});

async function mediaMessage(w: World, fixture: string, mediaId: string, media: Record<string, string> = {}) {
  type Inbound = { entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[] };
  const payload = fixtureJson<Inbound>("whatsapp", fixture).entry[0]!.changes[0]!.value.messages[0]!;
  const type = payload.type as string;
  Object.assign(payload[type] as object, media, { id: mediaId });
  const [message] = await withTenant(w.tenantId, (tx) =>
    tx
      .insert(messages)
      .values({ tenantId: w.tenantId, conversationId: w.conversation.id, direction: "inbound", wamid: `wamid.${randomUUID()}`, type, payload, sentAt: new Date() })
      .returning(),
  );
  return message!;
}

const getMedia = (w: World, messageId: string, query = "") =>
  media(new Request(url(`/api/w/${w.slug}/messages/${messageId}/media${query}`)), messageParams(w, messageId));

describe("media", () => {
  it("fetches an image from Meta once, then serves the cached bytes with its type and filename", async () => {
    const w = await world();
    const mediaId = `img-${randomUUID()}`;
    const bytes = Buffer.from("\xff\xd8\xff fake jpeg", "latin1");
    graph.setMedia(mediaId, { bytes, mimeType: "image/jpeg" });
    const message = await mediaMessage(w, "image-inbound", mediaId);

    for (let i = 0; i < 2; i++) {
      const response = await getMedia(w, message.id);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/jpeg");
      expect(response.headers.get("content-disposition")).toMatch(/^inline; filename="image-/);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    }
    expect(graph.calls("media")).toHaveLength(1);
    expect(graph.calls("download")).toHaveLength(1);
  });

  it("hands a document out as a download with its own filename", async () => {
    const w = await world();
    const mediaId = `doc-${randomUUID()}`;
    graph.setMedia(mediaId, { bytes: Buffer.from("%PDF-1.7"), mimeType: "application/pdf" });
    const message = await mediaMessage(w, "document-inbound", mediaId);
    const response = await getMedia(w, message.id);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.pdf"/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("sandboxes every file it serves, so a customer's HTML or SVG can never run as this site", async () => {
    const w = await world();
    for (const [kind, fixture, mimeType] of [
      ["img", "image-inbound", "image/jpeg"],
      ["doc", "document-inbound", "text/html"],
      ["svg", "document-inbound", "image/svg+xml"],
    ] as const) {
      const mediaId = `${kind}-${randomUUID()}`;
      const bytes = Buffer.from("<script>parent.postMessage(document.cookie, '*')</script>");
      graph.setMedia(mediaId, { bytes, mimeType });
      const message = await mediaMessage(w, fixture, mediaId);
      for (const query of ["", "?download=1"]) {
        const response = await getMedia(w, message.id, query);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect(response.headers.get("cache-control")).toBe("private, max-age=86400");
        expect(response.headers.get("content-length")).toBe(String(bytes.length));
        // Only the listed image, audio and video types are ever shown inline, and only when not asked for as a file.
        const inline = mimeType === "image/jpeg" && query === "";
        expect(response.headers.get("content-disposition")).toMatch(inline ? /^inline; / : /^attachment; /);
        await response.arrayBuffer();
      }
    }
  });

  it("names a file with accents or emoji readably for every browser, in the plain and the UTF-8 filename", async () => {
    const w = await world();
    const mediaId = `doc-${randomUUID()}`;
    graph.setMedia(mediaId, { bytes: Buffer.from("%PDF-1.7"), mimeType: "application/pdf" });
    const message = await mediaMessage(w, "document-inbound", mediaId, { filename: "Menú de año 🎉.pdf" });
    const response = await getMedia(w, message.id);
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="Men_ de a_o __.pdf"; filename*=UTF-8''Men%C3%BA%20de%20a%C3%B1o%20%F0%9F%8E%89.pdf`,
    );
    await response.arrayBuffer();
  });

  it("shows a voice note (audio/ogg with its codec) inline, and hands it over as a file when asked", async () => {
    const w = await world();
    const mediaId = `voice-${randomUUID()}`;
    graph.setMedia(mediaId, { bytes: Buffer.from("OggS fake opus"), mimeType: "audio/ogg; codecs=opus" });
    const message = await mediaMessage(w, "audio-voice-inbound", mediaId);
    const inline = await getMedia(w, message.id);
    expect(inline.headers.get("content-type")).toBe("audio/ogg; codecs=opus");
    expect(inline.headers.get("content-disposition")).toMatch(/^inline; /);
    await inline.arrayBuffer();
    const file = await getMedia(w, message.id, "?download=1");
    expect(file.headers.get("content-disposition")).toMatch(/^attachment; /);
    await file.arrayBuffer();
  });

  it("downloads a type that only resembles a listed one instead of showing it", async () => {
    const w = await world();
    for (const mimeType of ["text/html; name=image/png", "audio/mpegurl", "video/3gpp2"]) {
      const mediaId = `doc-${randomUUID()}`;
      graph.setMedia(mediaId, { bytes: Buffer.from("<html>"), mimeType });
      const message = await mediaMessage(w, "document-inbound", mediaId);
      const response = await getMedia(w, message.id);
      expect(response.headers.get("content-disposition"), mimeType).toMatch(/^attachment; /);
      await response.arrayBuffer();
    }
  });

  it("answers a signed-out visitor 401 without fetching anything from Meta", async () => {
    const w = await world();
    const mediaId = `img-${randomUUID()}`;
    graph.setMedia(mediaId, { bytes: Buffer.from("private"), mimeType: "image/jpeg" });
    const message = await mediaMessage(w, "image-inbound", mediaId);
    await actAs(null);
    const response = await getMedia(w, message.id);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Sign in to continue." });
    expect(graph.calls("media")).toHaveLength(0);
  });

  it("answers 503 with the reason when a sandbox number's media cannot be fetched, and asks Meta nothing", async () => {
    const w = await world({ token: null });
    const mediaId = `img-${randomUUID()}`;
    graph.setMedia(mediaId, { bytes: Buffer.from("\xff\xd8\xff", "latin1"), mimeType: "image/jpeg" });
    const message = await mediaMessage(w, "image-inbound", mediaId);
    const response = await getMedia(w, message.id);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "This is a sandbox number (no access token), so its media cannot be downloaded from WhatsApp.",
    });
    expect(graph.calls("media")).toHaveLength(0);
  });

  it("answers 410 with a sentence for media Meta no longer has", async () => {
    const w = await world();
    const message = await mediaMessage(w, "image-inbound", `gone-${randomUUID()}`);
    const response = await getMedia(w, message.id);
    expect(response.status).toBe(410);
    expect(await response.json()).toMatchObject({ expired: true, error: expect.stringContaining("no longer available") });
  });

  it("answers 404 for another workspace's media, cached or not", async () => {
    const owner = await world();
    const mediaId = `img-${randomUUID()}`;
    graph.setMedia(mediaId, { bytes: Buffer.from("private"), mimeType: "image/jpeg" });
    const message = await mediaMessage(owner, "image-inbound", mediaId);
    expect((await getMedia(owner, message.id)).status).toBe(200);

    const intruder = await world();
    const response = await getMedia(intruder, message.id);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("private");
    expect(graph.calls("media")).toHaveLength(1);
  });
});

describe("another workspace's records and other sites", () => {
  it("answers 404 for another workspace's conversation or message, and sends nothing", async () => {
    const victim = await world();
    const [victimMessage] = await withTenant(victim.tenantId, (tx) =>
      tx
        .insert(messages)
        .values({ tenantId: victim.tenantId, conversationId: victim.conversation.id, direction: "outbound", type: "text", text: "x", payload: {}, status: "failed", sentAt: new Date() })
        .returning(),
    );
    const attacker = await world();

    const intoTheirs = await replyTo(attacker, { messageId: randomUUID(), text: "Hola" }, victim.conversation.id);
    expect(intoTheirs.status).toBe(404);
    expect(await intoTheirs.json()).toEqual({ error: "Conversation not found in this workspace." });
    expect((await composer(new Request(url("/")), conversationParams(attacker, victim.conversation.id))).status).toBe(404);
    const template = await sendTemplate(
      post("/", { messageId: randomUUID(), templateId: randomUUID(), variables: {} }),
      conversationParams(attacker, victim.conversation.id),
    );
    expect(template.status).toBe(404);
    const retryTheirs = await retry(post("/", {}), messageParams(attacker, victimMessage!.id));
    expect(retryTheirs.status).toBe(404);
    expect(await retryTheirs.json()).toEqual({ error: "Message not found in this workspace." });
    expect((await replyTo(attacker, { messageId: randomUUID(), text: "Hola" }, "not-a-uuid")).status).toBe(404);
    expect(graph.calls("messages")).toHaveLength(0);
    expect(await stored(victim, victimMessage!.id)).toMatchObject({ status: "failed" });
  });

  it("answers 404 for a workspace the user is not a member of, and 401 when signed out", async () => {
    const victim = await world();
    const attacker = await world();
    const intoVictim = { ...attacker, slug: victim.slug };
    expect((await replyTo(intoVictim, { messageId: randomUUID(), text: "Hola" }, victim.conversation.id)).status).toBe(404);
    await actAs(null);
    expect((await replyTo(victim, { messageId: randomUUID(), text: "Hola" })).status).toBe(401);
    expect(graph.calls("messages")).toHaveLength(0);
  });

  it("refuses a POST another site sent", async () => {
    const w = await world();
    const response = await replyTo(w, { messageId: randomUUID(), text: "Hola" }, w.conversation.id, { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect((await response.json()).error).toBe("Cross-site requests are not allowed.");
    const sync = await syncTemplates(post(`/api/w/${w.slug}/templates/sync`, {}, { origin: "https://evil.example" }), {
      params: Promise.resolve({ slug: w.slug }),
    });
    expect(sync.status).toBe(403);
    expect(graph.calls("messages")).toHaveLength(0);
  });
});
