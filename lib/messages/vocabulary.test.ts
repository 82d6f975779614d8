import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestConversation, createTestMessage, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { withTenant } from "@/db/tenant";
import { getConversation } from "@/lib/inbox/conversations";
import { getThread, getThreadInput } from "@/lib/inbox/thread";
import { deliveryErrorSchema, tokenExpiredReason, windowClosedReason } from "@/lib/messages/delivery-error";
import { deliver, messageByWamid, seedOutboundMessage } from "@/testing/webhook";
import { fixtureBytes, fixtureJson, fixtureNames } from "@/testing/fixtures";
import { isSelfDescribing } from "./labels";

/**
 * The vocabulary as a person meets it: the conversation list's preview and the thread's
 * bubble, for rows the webhook stores now and rows stored before lib/messages existed.
 */

type Delivery = { entry: { changes: { value: { metadata: { phone_number_id: string }; messages?: Record<string, unknown>[] } }[] }[] };

let tenant: string;
let numberId: string;

beforeAll(async () => {
  tenant = (await createTestWorkspace("Vocabulary")).id;
  numberId = (await createTestNumber(tenant, "110000000000001")).id;
});

/** The list preview and the bubble's view of one stored message. */
async function shown(wamid: string) {
  const row = await messageByWamid(tenant, wamid);
  expect(row, wamid).toBeDefined();
  const actor = { tenantId: tenant, userId: randomUUID(), role: "agent" as const };
  return withTenant(tenant, async (tx) => {
    const conversation = await getConversation({ tx, actor }, { conversationId: row!.conversationId });
    const thread = await getThread({ tx, actor }, getThreadInput.parse({ conversationId: row!.conversationId }));
    return { preview: conversation!.preview!, bubble: thread!.messages.find((m) => m.id === row!.id)! };
  });
}

/** Delivers a fixture's one message under a fresh wamid and timestamp, so it is the conversation's newest. */
async function ingest(delivery: Delivery, edit: (message: Record<string, unknown>) => void = () => {}) {
  const copy = structuredClone(delivery);
  const message = copy.entry[0]!.changes[0]!.value.messages![0]!;
  message.id = `wamid.${randomUUID()}`;
  message.timestamp = String(Math.floor(Date.now() / 1000) + ingested++);
  edit(message);
  expect((await deliver(JSON.stringify(copy))).status).toBe(200);
  return shown(String(message.id));
}
let ingested = 0;

let contactsMade = 0;
const nextWaId = () => String(5215600000000 + ++contactsMade);

/** Every shared fixture holding one message (not a reaction, which no preview shows) for our number. */
const singleMessageFixtures = fixtureNames("whatsapp").flatMap((name) => {
  const delivery = fixtureJson<Delivery>("whatsapp", name);
  const changes = delivery.entry.flatMap((e) => e.changes);
  const messages = changes.flatMap((c) => c.value?.messages ?? []);
  const ours = changes.every((c) => c.value?.metadata?.phone_number_id === "110000000000001");
  return ours && messages.length === 1 && messages[0]!.type !== "reaction" ? [[name, delivery] as const] : [];
});

describe("a new message's preview", () => {
  it.each([
    ["image-inbound", "Photo: Foto del paquete"],
    ["audio-voice-inbound", "Voice message"],
    ["contacts-card-inbound", "Contact: Luis Pérez"],
    ["document-inbound", "Document: Factura"],
    ["unsupported-inbound", "Unsupported message: WhatsApp did not deliver its content. Ask the customer to send it another way."],
  ])("names the kind of %s once: %s", async (fixture, expected) => {
    expect((await ingest(fixtureJson<Delivery>("whatsapp", fixture))).preview.summary).toBe(expected);
  });

  it("reads 'Photo' for a photo without a caption and 'Sticker' for a sticker", async () => {
    const image = fixtureJson<Delivery>("whatsapp", "image-inbound");
    expect((await ingest(image, (m) => delete (m.image as Record<string, unknown>).caption)).preview.summary).toBe("Photo");
    const sticker = (m: Record<string, unknown>) => {
      m.type = "sticker";
      m.sticker = { id: "7000000000000001", mime_type: "image/webp", animated: false };
      delete m.image;
    };
    expect((await ingest(image, sticker)).preview.summary).toBe("Sticker");
  });

  it("has a fixture for every kind it checks", () => {
    const types = singleMessageFixtures.map(([, d]) => d.entry[0]!.changes[0]!.value.messages![0]!.type);
    expect(new Set(types)).toEqual(new Set(["audio", "contacts", "document", "image", "interactive", "location", "system", "text", "unsupported"]));
  });

  it.each(singleMessageFixtures)("and the bubble agree on what %s is", async (_name, delivery) => {
    const { preview, bubble } = await ingest(delivery);
    expect(preview.type).toBe(bubble.type);
    if (isSelfDescribing(bubble.type)) {
      expect(preview.summary).toBe(bubble.view.text);
    } else {
      expect(preview.summary === bubble.view.label || preview.summary.startsWith(`${bubble.view.label}: `), `${preview.summary} / ${bubble.view.label}`).toBe(
        true,
      );
    }
  });
});

describe("the bubble", () => {
  it("gets a view built on the server, never Meta's payload or its media id", async () => {
    const image = fixtureJson<Delivery>("whatsapp", "image-inbound");
    const mediaId = (image.entry[0]!.changes[0]!.value.messages![0]!.image as { id: string }).id;
    const photo = (await ingest(image)).bubble;
    expect(photo).not.toHaveProperty("payload");
    expect(JSON.stringify(photo)).not.toContain(mediaId);
    expect(photo.view).toMatchObject({ label: "Photo", media: { caption: "Foto del paquete", mimeType: "image/jpeg" } });

    const place = (await ingest(fixtureJson<Delivery>("whatsapp", "location-inbound"))).bubble;
    expect(place.view.location).toEqual({ name: "Zócalo", address: "Plaza de la Constitución, Centro, CDMX", latitude: 19.4326, longitude: -99.1332 });
    const card = (await ingest(fixtureJson<Delivery>("whatsapp", "contacts-card-inbound"))).bubble;
    expect(card.view.contacts).toEqual([{ name: "Luis Pérez", phones: [{ number: "+52 55 1111 2222", type: "CELL" }] }]);
  });
});

describe("a message stored before the one vocabulary", () => {
  it.each([
    ["image", "Photo", "Photo"],
    ["sticker", "Sticker", "Sticker"],
    ["audio", "Voice message", "Voice message"],
    ["contacts", "Contact: Luis Pérez", "Contact: Luis Pérez"],
    ["contacts", "Contact card", "Contact card"],
    ["order", "Order (2 items)", "Order (2 items)"],
    ["interactive", "Interactive reply", "Interactive reply"],
    [
      "unsupported",
      "Unsupported message: WhatsApp did not deliver its content. Ask the customer to send it another way.",
      "Unsupported message: WhatsApp did not deliver its content. Ask the customer to send it another way.",
    ],
    ["image", "Foto del paquete", "Photo: Foto del paquete"],
  ])("of type %s stored as %j previews as %j", async (type, storedText, expected) => {
    const { conversation } = await createTestConversation(tenant, { numberId, waId: nextWaId() });
    const wamid = `wamid.${randomUUID()}`;
    await createTestMessage(tenant, conversation.id, { direction: "inbound", type, text: storedText, wamid });
    const { preview, bubble } = await shown(wamid);
    expect(preview.summary).toBe(expected);
    expect(bubble.summary).toBe(expected);
  });

  it.each([
    [
      "Meta's fields without a reason (the status webhook's old shape)",
      { code: 131047, title: "Re-engagement message", message: "Re-engagement message", details: "More than 24 hours." },
      { code: 131047, reason: windowClosedReason },
    ],
    ["the send's own shape without Meta's message", { reason: tokenExpiredReason, code: 190, title: null, details: null }, { code: 190, reason: tokenExpiredReason }],
    [
      "Meta's errors array as it came",
      [{ code: 131026, title: "Message undeliverable", error_data: { details: "The recipient is not on WhatsApp." } }],
      { code: 131026, reason: "Message undeliverable — The recipient is not on WhatsApp." },
    ],
  ])("failed, with %s, says why in words", async (_shape, error, failure) => {
    const { conversation } = await createTestConversation(tenant, { numberId, waId: nextWaId() });
    const wamid = `wamid.${randomUUID()}`;
    await createTestMessage(tenant, conversation.id, { direction: "outbound", status: "failed", error, wamid });
    expect((await shown(wamid)).bubble.failure).toEqual(failure);
  });
});

it("stores a failed status's error in the one shape, with the reason the thread shows", async () => {
  const wamid = "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT003";
  await seedOutboundMessage({ tenantId: tenant, businessNumberId: numberId, waId: "5215512345678", wamid });
  expect((await deliver(fixtureBytes("whatsapp", "status-failed"))).status).toBe(200);
  expect(deliveryErrorSchema.strict().parse((await messageByWamid(tenant, wamid))!.error)).toEqual({
    reason: windowClosedReason,
    code: 131047,
    title: "Re-engagement message",
    message: "Re-engagement message",
    details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
  });
  expect((await shown(wamid)).bubble.failure).toEqual({ code: 131047, reason: windowClosedReason });
});
