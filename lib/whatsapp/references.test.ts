import { expect, it } from "vitest";
import { fixtureJson } from "@/testing/fixtures";
import { messageSchema, type WhatsAppDelivery } from "./payload";
import { referencedWamid } from "./references";

function firstMessage(fixture: string) {
  const delivery = fixtureJson<WhatsAppDelivery>("whatsapp", fixture);
  const value = delivery.entry[0]!.changes[0]!.value as { messages: unknown[] };
  return messageSchema.parse(value.messages[0]);
}

const message = (type: string, fields: Record<string, unknown>) =>
  messageSchema.parse({ id: "wamid.X", timestamp: "1795000000", from: "15550000000", type, ...fields });

it("links replies to the quoted message and reactions to the message they react to", () => {
  expect(referencedWamid(firstMessage("text-reply-with-context"))).toBe("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT001");
  expect(referencedWamid(firstMessage("reaction-removed"))).toBe("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT001");
  expect(referencedWamid(firstMessage("text-inbound"))).toBeNull();
});

it("keeps every field Meta sent, known or not", () => {
  const parsed = message("text", { text: { body: "hi", preview_url: false }, brand_new_field: { nested: [1, 2] } });
  expect(parsed).toMatchObject({ text: { body: "hi", preview_url: false }, brand_new_field: { nested: [1, 2] } });
});
