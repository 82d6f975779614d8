import { randomUUID } from "node:crypto";
import type { TenantTx } from "@/db/transactions";
import type { MessageItem, StatusItem } from "@/lib/ingest/apply/types";
import type { WhatsAppMessage, WhatsAppProfile, WhatsAppStatus } from "@/lib/whatsapp/payload";

const seconds = (at: Date) => String(Math.floor(at.getTime() / 1000));

/** A message item as the pipeline hands it to the applier: `message` in Meta's shape. */
export function messageItem(input: {
  businessNumberId: string;
  phoneNumberId?: string;
  message: Partial<WhatsAppMessage> & { id: string };
  at?: Date;
  profile?: WhatsAppProfile;
}): MessageItem {
  const at = input.at ?? new Date("2026-11-20T10:00:00Z");
  return {
    kind: "message",
    itemId: randomUUID(),
    occurredAt: at,
    timestampSubstituted: false,
    phoneNumberId: input.phoneNumberId ?? "110000000000001",
    businessNumberId: input.businessNumberId,
    message: { timestamp: seconds(at), type: "text", text: { body: "hello" }, ...input.message } as WhatsAppMessage,
    profile: input.profile,
  };
}

/** A text from a customer: by phone number, user id, or both, with the profile name Meta sent. */
export function textItem(input: {
  businessNumberId: string;
  wamid: string;
  waId?: string;
  userId?: string;
  name?: string;
  text?: string;
  at?: Date;
}): MessageItem {
  const profile = input.name !== undefined || (input.waId && input.userId)
    ? { wa_id: input.waId, user_id: input.userId, profile: input.name !== undefined ? { name: input.name } : undefined }
    : undefined;
  return messageItem({
    businessNumberId: input.businessNumberId,
    at: input.at,
    profile,
    message: {
      id: input.wamid,
      from: input.waId,
      from_user_id: input.waId ? undefined : input.userId,
      type: "text",
      text: { body: input.text ?? "hello" },
    },
  });
}

export function statusItem(input: { wamid: string; status: string; at?: Date; errors?: WhatsAppStatus["errors"] }): StatusItem {
  const at = input.at ?? new Date("2026-11-20T10:00:00Z");
  return {
    kind: "status",
    itemId: randomUUID(),
    occurredAt: at,
    timestampSubstituted: false,
    phoneNumberId: "110000000000001",
    status: {
      id: input.wamid,
      status: input.status,
      timestamp: seconds(at),
      recipient_id: "5215512345678",
      ...(input.errors ? { errors: input.errors } : {}),
    },
  };
}

/**
 * Counts the statements a transaction sends from here on, through drizzle's logger on the
 * transaction's own session (both drivers log every query they run there).
 */
export function countStatements(tx: TenantTx): { readonly count: number; readonly queries: string[] } {
  const queries: string[] = [];
  const session = (tx as unknown as { session: { logger: { logQuery: (query: string) => void } } }).session;
  session.logger = { logQuery: (query) => queries.push(query) };
  return {
    get count() {
      return queries.length;
    },
    queries,
  };
}
