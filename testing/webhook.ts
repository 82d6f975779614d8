import { count, eq } from "drizzle-orm";
import { db } from "@/db/client";
import {
  contacts,
  conversations,
  messageStatuses,
  messages,
  ingestItems,
  outboxEvents,
  webhookDeliveries,
  type Message,
} from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { env } from "@/lib/config/env";
import { signBody } from "@/lib/whatsapp/signature";
import { receiveWhatsAppDelivery } from "@/lib/ingest/receive";
import { drainIngest } from "./ingest";

/** Posts bytes to the webhook endpoint as Meta would: signed with the configured app secret. Answers only. */
export function receive(body: Uint8Array | string) {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return receiveWhatsAppDelivery(bytes, signBody(bytes, env().WHATSAPP_APP_SECRET));
}

/** Posts a delivery as `receive` does, then runs the pipeline until it is processed (testing/ingest.ts). */
export async function deliver(body: Uint8Array | string) {
  const answer = await receive(body);
  await drainIngest();
  return answer;
}

/** Rows in every table the webhook writes, across all workspaces (platform connection). */
export async function rowCounts() {
  const tables = { webhookDeliveries, ingestItems, contacts, conversations, messages, messageStatuses, outboxEvents };
  const entries = await Promise.all(
    Object.entries(tables).map(async ([name, table]) => [name, (await db().select({ n: count() }).from(table))[0]!.n] as const),
  );
  const [unrouted] = await db().select({ n: count() }).from(ingestItems).where(eq(ingestItems.state, "unrouted"));
  return { ...(Object.fromEntries(entries) as Record<keyof typeof tables, number>), unroutedItems: unrouted!.n };
}

/** A workspace's rows, read as that workspace reads them. */
export function workspaceData(tenantId: string) {
  return withTenant(tenantId, async (tx) => ({
    messages: await tx.select().from(messages).orderBy(messages.sentAt),
    contacts: await tx.select().from(contacts),
    conversations: await tx.select().from(conversations),
    statuses: await tx.select().from(messageStatuses),
  }));
}

export async function messageByWamid(tenantId: string, wamid: string): Promise<Message | undefined> {
  const [row] = await withTenant(tenantId, (tx) => tx.select().from(messages).where(eq(messages.wamid, wamid)));
  return row;
}

/** An outbound message the business sent (what statuses, reactions and replies refer to). */
export async function seedOutboundMessage(input: { tenantId: string; businessNumberId: string; waId: string; wamid: string }) {
  return withTenant(input.tenantId, async (tx) => {
    const [contact] = await tx
      .insert(contacts)
      .values({ tenantId: input.tenantId, waId: input.waId })
      .onConflictDoUpdate({ target: [contacts.tenantId, contacts.waId], set: { waId: input.waId } })
      .returning();
    const [conversation] = await tx
      .insert(conversations)
      .values({ tenantId: input.tenantId, businessNumberId: input.businessNumberId, contactId: contact!.id })
      .onConflictDoUpdate({
        target: [conversations.tenantId, conversations.businessNumberId, conversations.contactId],
        set: { contactId: contact!.id },
      })
      .returning();
    const [message] = await tx
      .insert(messages)
      .values({
        tenantId: input.tenantId,
        conversationId: conversation!.id,
        direction: "outbound",
        wamid: input.wamid,
        type: "text",
        text: "Your order is on its way",
        payload: { type: "text", text: { body: "Your order is on its way" } },
        status: "pending",
        sentAt: new Date("2026-11-19T10:00:00Z"),
      })
      .returning();
    return message!;
  });
}

export async function deliveryRows() {
  return db().select().from(webhookDeliveries).orderBy(webhookDeliveries.receivedAt);
}
