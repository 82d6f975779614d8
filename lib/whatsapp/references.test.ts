import { expect, it } from "vitest";
import { fixtureMessage as firstMessage, inboundMessage as message } from "@/testing/messages";
import { referencedWamid } from "./references";

it("links replies to the quoted message and reactions to the message they react to", () => {
  expect(referencedWamid(firstMessage("text-reply-with-context"))).toBe("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT001");
  expect(referencedWamid(firstMessage("reaction-removed"))).toBe("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT001");
  expect(referencedWamid(firstMessage("text-inbound"))).toBeNull();
});

it("keeps every field Meta sent, known or not", () => {
  const parsed = message("text", { text: { body: "hi", preview_url: false }, brand_new_field: { nested: [1, 2] } });
  expect(parsed).toMatchObject({ text: { body: "hi", preview_url: false }, brand_new_field: { nested: [1, 2] } });
});
