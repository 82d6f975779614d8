import { describe, expect, it } from "vitest";
import { summarizeMessage } from "./summary";

describe("one-line message summaries", () => {
  it("reads text and replies as they are, media with what they are", () => {
    expect(summarizeMessage({ type: "text", text: "¿Dónde está mi pedido?" })).toBe("¿Dónde está mi pedido?");
    expect(summarizeMessage({ type: "interactive", text: "Sí, confirmar" })).toBe("Sí, confirmar");
    expect(summarizeMessage({ type: "image", text: "Factura" })).toBe("Photo: Factura");
    expect(summarizeMessage({ type: "document", text: "invoice.pdf" })).toBe("Document: invoice.pdf");
    expect(summarizeMessage({ type: "location", text: "Oficina central" })).toBe("Location: Oficina central");
  });

  it("names the kind of message when there is no text, and never leaves a blank", () => {
    expect(summarizeMessage({ type: "audio", text: null })).toBe("Audio");
    expect(summarizeMessage({ type: "sticker", text: "  " })).toBe("Sticker");
    expect(summarizeMessage({ type: "unsupported", text: null })).toBe("Unsupported message");
    expect(summarizeMessage({ type: "button", text: null })).toBe("Reply");
    expect(summarizeMessage({ type: "a_type_meta_adds_later", text: null })).toBe("Message");
    expect(summarizeMessage({ type: "a_type_meta_adds_later", text: "hi" })).toBe("Message: hi");
  });
});
