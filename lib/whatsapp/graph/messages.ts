import { z } from "zod";

/**
 * Request bodies for `POST /{version}/{phone_number_id}/messages`, built here so the rest of
 * the app never spells Meta's field names. A customer is addressed by phone number (`to`)
 * or, for a username-only customer, by business-scoped user id (`recipient`).
 */
export type Recipient = { waId: string } | { userId: string };

/** A text is at most 4096 characters; Meta counts characters, not UTF-16 units. */
export const textMaxLength = 4096;

export function textLength(text: string): number {
  return [...text].length;
}

export const templateParameterSchema = z.object({
  type: z.literal("text"),
  text: z.string(),
  parameter_name: z.string().optional(),
});

export const templateComponentSchema = z.union([
  z.object({ type: z.enum(["header", "body"]), parameters: z.array(templateParameterSchema) }),
  z.object({
    type: z.literal("button"),
    sub_type: z.literal("url"),
    index: z.string(),
    parameters: z.array(templateParameterSchema),
  }),
]);

const addressed = {
  messaging_product: z.literal("whatsapp"),
  recipient_type: z.literal("individual"),
  to: z.string().optional(),
  recipient: z.string().optional(),
  context: z.object({ message_id: z.string() }).optional(),
};

/** What we send, and what we store as an outbound message's payload (so a retry resends it). */
export const outgoingMessageSchema = z.discriminatedUnion("type", [
  z.object({
    ...addressed,
    type: z.literal("text"),
    text: z.object({ preview_url: z.boolean(), body: z.string().min(1) }),
  }),
  z.object({
    ...addressed,
    type: z.literal("template"),
    template: z.object({
      name: z.string(),
      language: z.object({ code: z.string() }),
      components: z.array(templateComponentSchema).optional(),
    }),
  }),
]);

export type OutgoingMessage = z.infer<typeof outgoingMessageSchema>;
export type TemplateComponentParameters = z.infer<typeof templateComponentSchema>;

function address(to: Recipient) {
  return {
    messaging_product: "whatsapp" as const,
    recipient_type: "individual" as const,
    ...("waId" in to ? { to: to.waId } : { recipient: to.userId }),
  };
}

export function textMessage(input: { to: Recipient; body: string; replyToWamid?: string | null }): OutgoingMessage {
  return {
    ...address(input.to),
    ...(input.replyToWamid ? { context: { message_id: input.replyToWamid } } : {}),
    type: "text",
    text: { preview_url: false, body: input.body },
  };
}

export function templateMessage(input: {
  to: Recipient;
  name: string;
  language: string;
  components: TemplateComponentParameters[];
}): OutgoingMessage {
  return {
    ...address(input.to),
    type: "template",
    template: {
      name: input.name,
      language: { code: input.language },
      ...(input.components.length > 0 ? { components: input.components } : {}),
    },
  };
}
