import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { fixtureJson } from "@/testing/fixtures";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { reply } from "@/testing/fake-graph-server";
import { getMessageMedia, type MessageMedia } from "./inbound-media";
import { outboundWorld, type OutboundWorld } from "@/testing/outbound";

const graph = fakeGraphPerFile();
let mediaDir: string;
beforeAll(() => {
  mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-media-"));
});
afterAll(() => fs.rmSync(mediaDir, { recursive: true, force: true }));

const deps = () => ({ graph: graph.client(), mediaDir });

type Inbound = { entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[] };
const metaMessage = (fixture: string) => fixtureJson<Inbound>("whatsapp", fixture).entry[0]!.changes[0]!.value.messages[0]!;

/** An inbound media message stored as the webhook stores it: Meta's message object as the payload. */
async function mediaMessage(world: OutboundWorld, fixture: string, mediaId?: string) {
  const payload = metaMessage(fixture);
  const type = payload.type as string;
  if (mediaId) (payload[type] as { id: string }).id = mediaId;
  const [message] = await withTenant(world.tenantId, (tx) =>
    tx
      .insert(messages)
      .values({
        tenantId: world.tenantId,
        conversationId: world.conversation.id,
        direction: "inbound",
        wamid: `wamid.${randomUUID()}`,
        type,
        payload,
        sentAt: new Date(),
      })
      .returning(),
  );
  return { message: message!, mediaId: (payload[type] as { id: string }).id };
}

function ready(result: MessageMedia) {
  expect(result.status).toBe("ready");
  return result as Extract<MessageMedia, { status: "ready" }>;
}

it("fetches media from Meta once, with the number's token, then serves it from the cache", async () => {
  const world = await outboundWorld();
  const { message, mediaId } = await mediaMessage(world, "image-inbound");
  const bytes = Buffer.from("\xff\xd8\xff fake jpeg", "latin1");
  graph.setMedia(mediaId, { bytes, mimeType: "image/jpeg" });

  const first = ready(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id }));
  expect(first).toMatchObject({ mimeType: "image/jpeg", size: bytes.length, filename: `image-${message.id.slice(0, 8)}.jpg` });
  expect(fs.readFileSync(first.file).equals(bytes)).toBe(true);
  expect(graph.requests.map((r) => [r.route, r.authorization])).toEqual([
    ["media", `Bearer ${world.token}`],
    ["download", `Bearer ${world.token}`],
  ]);

  const second = ready(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id }));
  expect(second).toEqual(first);
  expect(graph.requests).toHaveLength(2);
});

it("shares one download between viewers who open the media at the same time", async () => {
  const world = await outboundWorld();
  const { message, mediaId } = await mediaMessage(world, "audio-voice-inbound", `audio-${randomUUID()}`);
  graph.setMedia(mediaId, { bytes: Buffer.from("OggS voice"), mimeType: "audio/ogg" });
  const results = await Promise.all([1, 2, 3].map(() => getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id })));
  expect(results.map((r) => r.status)).toEqual(["ready", "ready", "ready"]);
  expect(graph.calls("download")).toHaveLength(1);
});

it("keeps a document's filename", async () => {
  const world = await outboundWorld();
  const { message, mediaId } = await mediaMessage(world, "document-inbound", `doc-${randomUUID()}`);
  graph.setMedia(mediaId, { bytes: Buffer.from("%PDF-1.7"), mimeType: "application/pdf" });
  const result = ready(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id }));
  expect(result).toMatchObject({ filename: "factura-1042.pdf", mimeType: "application/pdf" });
});

it("refuses another workspace's media, even once it is cached", async () => {
  const owner = await outboundWorld();
  const stranger = await outboundWorld();
  const { message, mediaId } = await mediaMessage(owner, "image-inbound", `img-${randomUUID()}`);
  graph.setMedia(mediaId, { bytes: Buffer.from("private"), mimeType: "image/jpeg" });
  ready(await getMessageMedia({ actor: owner.actor, ...deps() }, { messageId: message.id }));
  graph.reset();

  expect(await getMessageMedia({ actor: stranger.actor, ...deps() }, { messageId: message.id })).toEqual({ status: "not_found" });
  expect(graph.requests).toHaveLength(0);
});

it("says media Meta no longer has is expired, and remembers it", async () => {
  const world = await outboundWorld();
  const { message } = await mediaMessage(world, "image-inbound", `gone-${randomUUID()}`);
  expect(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id })).toEqual({ status: "expired" });
  expect(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id })).toEqual({ status: "expired" });
  expect(graph.calls("media")).toHaveLength(1);
});

it("does not call Meta for a sandbox number's media", async () => {
  const world = await outboundWorld({ token: null });
  const { message } = await mediaMessage(world, "image-inbound");
  const result = await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id });
  expect(result).toMatchObject({ status: "unavailable", reason: expect.stringContaining("sandbox") });
  expect(graph.requests).toHaveLength(0);
});

it("reports a failure it may recover from without caching it", async () => {
  const world = await outboundWorld();
  const { message, mediaId } = await mediaMessage(world, "image-inbound", `flaky-${randomUUID()}`);
  graph.setMedia(mediaId, { bytes: Buffer.from("later"), mimeType: "image/jpeg" });
  graph.queue("media", ...Array.from({ length: 4 }, () => reply.metaError(500, 1, "An unknown error occurred")));
  expect(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id })).toMatchObject({ status: "unavailable" });
  ready(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: message.id }));
});

it("answers not found for a message that carries no media or an id that is not one", async () => {
  const world = await outboundWorld();
  expect(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: world.inbound.id })).toEqual({ status: "not_found" });
  expect(await getMessageMedia({ actor: world.actor, ...deps() }, { messageId: "../../etc/passwd" })).toEqual({ status: "not_found" });
});
