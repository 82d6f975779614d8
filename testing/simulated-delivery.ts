import { randomBytes } from "node:crypto";
import { messagesField, whatsappObject } from "@/lib/whatsapp/payload";

export type SimulatedText = {
  /** The receiving business number's phone_number_id (what routes the delivery). */
  to: string;
  /** The customer's WhatsApp number. */
  from: string;
  text: string;
  profileName?: string;
  /** Defaults to a fresh random wamid. */
  wamid?: string;
  sentAt?: Date;
};

/** A text message delivery in exactly the shape Meta posts, as the bytes to sign and send. */
export function simulatedTextDelivery(input: SimulatedText): Buffer {
  const body = {
    object: whatsappObject,
    entry: [
      {
        id: "0",
        changes: [
          {
            field: messagesField,
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: input.to, phone_number_id: input.to },
              contacts: [{ profile: { name: input.profileName ?? "Simulated Customer" }, wa_id: input.from }],
              messages: [
                {
                  from: input.from,
                  id: input.wamid ?? `wamid.SIM${randomBytes(12).toString("hex").toUpperCase()}`,
                  timestamp: String(Math.floor((input.sentAt ?? new Date()).getTime() / 1000)),
                  type: "text",
                  text: { body: input.text },
                },
              ],
            },
          },
        ],
      },
    ],
  };
  return Buffer.from(JSON.stringify(body), "utf8");
}
