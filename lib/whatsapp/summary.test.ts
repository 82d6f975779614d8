import { expect, it } from "vitest";
import { fixtureJson } from "@/testing/fixtures";
import { messageSchema, type WhatsAppDelivery } from "./payload";
import { referencedWamid, summarizeMessage } from "./summary";

function firstMessage(fixture: string) {
  const delivery = fixtureJson<WhatsAppDelivery>("whatsapp", fixture);
  const value = delivery.entry[0]!.changes[0]!.value as { messages: unknown[] };
  return messageSchema.parse(value.messages[0]);
}

const message = (type: string, fields: Record<string, unknown>) =>
  messageSchema.parse({ id: "wamid.X", timestamp: "1795000000", from: "15550000000", type, ...fields });

it.each([
  ["text-inbound", "Hola, ¿tienen envío hoy? 🚚"],
  ["image-inbound", "Foto del paquete"],
  ["document-inbound", "Factura"],
  ["audio-voice-inbound", "Voice message"],
  ["location-inbound", "Zócalo, Plaza de la Constitución, Centro, CDMX"],
  ["contacts-card-inbound", "Contact: Luis Pérez"],
  ["interactive-button-reply", "Confirmar"],
  ["reaction-inbound", "👍"],
  ["reaction-removed", null],
  ["referral-ad-inbound", "Hi, I saw your ad"],
  ["system-changed-number", "Ana Ruiz changed from 5215512345678 to 5215587654321"],
  ["username-user-inbound", "hello from a username account"],
])("summarizes %s", (fixture, expected) => {
  expect(summarizeMessage(firstMessage(fixture))).toBe(expected);
});

it("says an unsupported message's content did not arrive, and what to do", () => {
  expect(summarizeMessage(firstMessage("unsupported-inbound"))).toMatch(/^Unsupported message: .*Ask the customer/);
});

it("summarizes the kinds the fixtures do not cover", () => {
  expect(summarizeMessage(message("document", { document: { id: "1", filename: "menu.pdf" } }))).toBe("menu.pdf");
  expect(summarizeMessage(message("image", { image: { id: "1" } }))).toBe("Photo");
  expect(summarizeMessage(message("video", { video: { id: "1", caption: "unboxing" } }))).toBe("unboxing");
  expect(summarizeMessage(message("sticker", { sticker: { id: "1", animated: false } }))).toBe("Sticker");
  expect(summarizeMessage(message("audio", { audio: { id: "1" } }))).toBe("Audio");
  expect(summarizeMessage(message("location", { location: { latitude: 1.5, longitude: 2 } }))).toBe("Location 1.5, 2");
  expect(summarizeMessage(message("interactive", { interactive: { type: "list_reply", list_reply: { id: "r", title: "Tomorrow" } } }))).toBe(
    "Tomorrow",
  );
  expect(summarizeMessage(message("button", { button: { text: "Stop promotions", payload: "STOP" } }))).toBe("Stop promotions");
  expect(summarizeMessage(message("order", { order: { product_items: [{}, {}] } }))).toBe("Order (2 items)");
  expect(summarizeMessage(message("request_welcome", {}))).toBe("request_welcome message");
});

it("links replies to the quoted message and reactions to the message they react to", () => {
  expect(referencedWamid(firstMessage("text-reply-with-context"))).toBe("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT001");
  expect(referencedWamid(firstMessage("reaction-removed"))).toBe("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT001");
  expect(referencedWamid(firstMessage("text-inbound"))).toBeNull();
});

it("keeps every field Meta sent, known or not", () => {
  const parsed = message("text", { text: { body: "hi", preview_url: false }, brand_new_field: { nested: [1, 2] } });
  expect(parsed).toMatchObject({ text: { body: "hi", preview_url: false }, brand_new_field: { nested: [1, 2] } });
});
