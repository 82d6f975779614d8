import { and, count, eq, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { contacts, conversations, messageStatuses, messages, webhookDeliveries } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { signUp } from "@/lib/workspace/signup";
import { addNumber } from "@/lib/workspace/numbers";
import { customerWaId, outboundWamid } from "./deliveries";

/** The bench's workspace, made the way a person makes one: sign-up, then a connected number. */
export async function createBenchWorkspace(login: { email: string; password: string }) {
  const { user, workspace } = await signUp({ name: "Bench Owner", email: login.email, password: login.password, workspaceName: "Bench" }, { emailVerified: true });
  const actor = { tenantId: workspace.id, userId: user.id, role: "owner" as const };
  // No access token: a sandbox number, so nothing the bench does could ever reach Meta.
  const number = await addNumber({ actor }, {
    phoneNumberId: "999000000000777",
    label: "Bench line",
    displayNumber: "+1 555 010 0777",
    wabaId: "104400000000777",
    accessToken: undefined,
  });
  return { workspace, number };
}

/** Everything the webhook writes, gone: each round starts from the same empty inbox. */
export async function clearWebhookData(): Promise<void> {
  await db().execute(sql`truncate webhook_deliveries, unrouted_items, message_statuses, messages, conversations, contacts`);
}

/**
 * A campaign already sent: one outbound message (status `sent`, as the send stores it)
 * to each of `count` customers, with wamids `outboundWamid(tag, i)`.
 */
export async function seedCampaign(tenantId: string, businessNumberId: string, tag: string, total: number): Promise<void> {
  const sentAt = new Date(Date.now() - 60_000);
  await withTenant(tenantId, async (tx) => {
    for (let start = 0; start < total; start += 1000) {
      const indexes = Array.from({ length: Math.min(1000, total - start) }, (_, k) => start + k);
      const people = await tx
        .insert(contacts)
        .values(indexes.map((i) => ({ tenantId, waId: customerWaId(i) })))
        .returning({ id: contacts.id, waId: contacts.waId });
      const threads = await tx
        .insert(conversations)
        .values(people.map((p) => ({ tenantId, businessNumberId, contactId: p.id, lastMessageAt: sentAt })))
        .returning({ id: conversations.id, contactId: conversations.contactId });
      const threadOf = new Map(threads.map((t) => [t.contactId, t.id]));
      await tx.insert(messages).values(
        people.map((p) => {
          const i = Number(p.waId!.slice(4));
          return {
            tenantId,
            conversationId: threadOf.get(p.id)!,
            direction: "outbound" as const,
            wamid: outboundWamid(tag, i),
            type: "text",
            text: "Your order is on its way",
            payload: { messaging_product: "whatsapp", to: p.waId, type: "text", text: { body: "Your order is on its way" } },
            status: "sent" as const,
            sentAt,
          };
        }),
      );
    }
  });
}

/** What the database holds after a round (platform connection: every workspace). */
export async function storedCounts() {
  const one = async (query: Promise<Array<{ n: number }>>) => (await query)[0]!.n;
  return {
    deliveries: await one(db().select({ n: count() }).from(webhookDeliveries)),
    processed: await one(db().select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.state, "processed"))),
    inbound: await one(db().select({ n: count() }).from(messages).where(eq(messages.direction, "inbound"))),
    statuses: await one(db().select({ n: count() }).from(messageStatuses)),
    read: await one(db().select({ n: count() }).from(messages).where(and(eq(messages.direction, "outbound"), eq(messages.status, "read")))),
  };
}

export async function conversationOf(waId: string): Promise<string | null> {
  const [row] = await db()
    .select({ id: conversations.id })
    .from(conversations)
    .innerJoin(contacts, and(eq(contacts.tenantId, conversations.tenantId), eq(contacts.id, conversations.contactId)))
    .where(eq(contacts.waId, waId));
  return row?.id ?? null;
}
