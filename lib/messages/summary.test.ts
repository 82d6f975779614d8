import { describe, expect, it } from "vitest";
import { fixtureMessage as firstMessage, inboundMessage as message } from "@/testing/messages";
import { previewOf, summaryToStore } from "./summary";


describe("the summary stored with an inbound message", () => {
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
    expect(summaryToStore(firstMessage(fixture))).toBe(expected);
  });

  it("says an unsupported message's content did not arrive, and what to do", () => {
    expect(summaryToStore(firstMessage("unsupported-inbound"))).toMatch(/^Unsupported message: .*Ask the customer/);
  });

  it("summarizes the kinds the fixtures do not cover", () => {
    expect(summaryToStore(message("document", { document: { id: "1", filename: "menu.pdf" } }))).toBe("menu.pdf");
    expect(summaryToStore(message("image", { image: { id: "1" } }))).toBe("Photo");
    expect(summaryToStore(message("video", { video: { id: "1", caption: "unboxing" } }))).toBe("unboxing");
    expect(summaryToStore(message("sticker", { sticker: { id: "1", animated: false } }))).toBe("Sticker");
    expect(summaryToStore(message("audio", { audio: { id: "1" } }))).toBe("Audio");
    expect(summaryToStore(message("location", { location: { latitude: 1.5, longitude: 2 } }))).toBe("Location 1.5, 2");
    expect(
      summaryToStore(message("interactive", { interactive: { type: "list_reply", list_reply: { id: "r", title: "Tomorrow" } } })),
    ).toBe("Tomorrow");
    expect(summaryToStore(message("button", { button: { text: "Stop promotions", payload: "STOP" } }))).toBe("Stop promotions");
    expect(summaryToStore(message("order", { order: { product_items: [{}, {}] } }))).toBe("Order (2 items)");
    expect(summaryToStore(message("request_welcome", {}))).toBe("request_welcome message");
  });
});

describe("one-line message previews", () => {
  it("reads text and replies as they are, media with what they are", () => {
    expect(previewOf({ type: "text", text: "¿Dónde está mi pedido?" })).toBe("¿Dónde está mi pedido?");
    expect(previewOf({ type: "interactive", text: "Sí, confirmar" })).toBe("Sí, confirmar");
    expect(previewOf({ type: "image", text: "Factura" })).toBe("Photo: Factura");
    expect(previewOf({ type: "document", text: "invoice.pdf" })).toBe("Document: invoice.pdf");
    expect(previewOf({ type: "location", text: "Oficina central" })).toBe("Location: Oficina central");
  });

  it("names the kind of message when there is no text, and never leaves a blank", () => {
    expect(previewOf({ type: "audio", text: null })).toBe("Audio");
    expect(previewOf({ type: "sticker", text: "  " })).toBe("Sticker");
    expect(previewOf({ type: "unsupported", text: null })).toBe("Unsupported message");
    expect(previewOf({ type: "button", text: null })).toBe("Reply");
    expect(previewOf({ type: "a_type_meta_adds_later", text: null })).toBe("Message");
    expect(previewOf({ type: "a_type_meta_adds_later", text: "hi" })).toBe("Message: hi");
  });

  it("names a kind once when the stored summary already names it", () => {
    expect(previewOf({ type: "image", text: "Photo" })).toBe("Photo");
    expect(previewOf({ type: "sticker", text: "Sticker" })).toBe("Sticker");
    expect(previewOf({ type: "audio", text: "Voice message" })).toBe("Voice message");
    expect(previewOf({ type: "contacts", text: "Contact: Luis Pérez" })).toBe("Contact: Luis Pérez");
    expect(previewOf({ type: "contacts", text: "Contact card" })).toBe("Contact card");
    expect(previewOf({ type: "location", text: "Location 1.5, 2" })).toBe("Location 1.5, 2");
    expect(previewOf({ type: "order", text: "Order (2 items)" })).toBe("Order (2 items)");
    expect(previewOf({ type: "request_welcome", text: "request_welcome message" })).toBe("request_welcome message");
    const unsupported = "Unsupported message: WhatsApp did not deliver its content. Ask the customer to send it another way.";
    expect(previewOf({ type: "unsupported", text: unsupported })).toBe(unsupported);
  });

});
