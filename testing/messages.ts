import { messageSchema, type WhatsAppMessage } from "@/lib/whatsapp/payload";
import { fixtureJson } from "./fixtures";

/** The first message of a shared webhook fixture, parsed as the ingest parses it. */
export function fixtureMessage(fixture: string): WhatsAppMessage {
  const delivery = fixtureJson<{ entry: { changes: { value: unknown }[] }[] }>("whatsapp", fixture);
  const value = delivery.entry[0]!.changes[0]!.value as { messages: unknown[] };
  return messageSchema.parse(value.messages[0]);
}

/** An inbound message of `type` with the given fields, for shapes no fixture holds. */
export function inboundMessage(type: string, fields: Record<string, unknown>): WhatsAppMessage {
  return messageSchema.parse({ id: "wamid.X", timestamp: "1795000000", from: "15550000000", type, ...fields });
}
