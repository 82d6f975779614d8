import { and, eq, inArray, sql } from "drizzle-orm";
import { anyOf } from "@/db/any-of";
import { pipelined } from "@/db/pipelined";
import { conversations, messages } from "@/db/schema";
import { rowsOf } from "@/db/rows";
import { resolveContacts, type Sender } from "@/lib/contacts/identity";
import { log } from "@/lib/log";
import { summaryToStore } from "@/lib/messages/summary";
import { notifyWorkspace, type WorkspaceEvent } from "@/lib/realtime/events";
import { referencedWamid } from "@/lib/whatsapp/references";
import type { IngestCtx, MessageItem } from "./types";

/**
 * Reactions attach to another bubble and `system` lines are not the customer writing:
 * neither makes a conversation unread, reopens it, or opens WhatsApp's reply window.
 */
function isCustomerMessage(type: string): boolean {
  return type !== "reaction" && type !== "system";
}

/** Who sent the item, as resolveContacts needs it; null when Meta named nobody. */
function senderOf(item: MessageItem): Sender | null {
  const { message, profile } = item;
  const waId = message.from ?? profile?.wa_id;
  const userId = message.from_user_id ?? profile?.user_id;
  if (!waId && !userId) return null;
  const system = message.type === "system" ? message.system : undefined;
  // A number change names the new number and (since 2026) the new user id; the old ones are
  // the sender's. A user id change names only the user ids.
  if (system?.type === "user_changed_number" && system.wa_id) {
    return {
      waId: system.wa_id,
      userId: system.user_id,
      at: item.occurredAt,
      previous: { waId, userId: system.previous_user_id ?? userId },
    };
  }
  if (system?.type === "user_changed_user_id" && system.user_id) {
    return { waId, userId: system.user_id, at: item.occurredAt, previous: { userId: system.previous_user_id ?? userId } };
  }
  return { waId, userId, profileName: profile?.profile?.name, at: item.occurredAt };
}

// Bounded by Postgres's 65,535 parameters per statement (ten per message).
const insertChunk = 1000;

/**
 * Stores one workspace's inbound messages, set-based, following docs/ARCHITECTURE.md
 * "Messages: how each kind is stored": contacts resolved (lib/contacts/identity.ts),
 * conversations found or created, messages inserted once per wamid, then the conversations
 * of the customer messages this call inserted reopened, counted unread and moved forward
 * (WhatsApp's time, never arrival), and one notification statement. Every side effect
 * follows from the rows the insert returned, so applying the same items again changes
 * nothing and tells nobody. About ten statements for a batch of any size.
 */
export async function applyMessages(ctx: IngestCtx, items: MessageItem[]): Promise<void> {
  const { tx, tenantId } = ctx;
  const byWamid = new Map<string, { item: MessageItem; sender: Sender }>();
  for (const item of items) {
    const sender = senderOf(item);
    if (!sender) {
      log.warn("webhook_message_without_sender", { tenantId, phoneNumberId: item.phoneNumberId, wamid: item.message.id });
      continue;
    }
    if (!byWamid.has(item.message.id)) byWamid.set(item.message.id, { item, sender });
  }
  if (byWamid.size === 0) return;

  // A redelivery stops here without touching contacts or conversations; copies racing past
  // this check are still stored once, by the insert's unique key.
  const known = await tx
    .select({ wamid: messages.wamid })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), anyOf(messages.wamid, [...byWamid.keys()])));
  for (const { wamid } of known) byWamid.delete(wamid!);
  const fresh = [...byWamid.values()];
  if (fresh.length === 0) return;

  const contactIds = await resolveContacts(ctx, fresh.map((f) => f.sender));
  const conversationOf = await findOrCreateConversations(
    ctx,
    fresh.map(({ item }, i) => ({ businessNumberId: item.businessNumberId, contactId: contactIds[i]!, at: item.occurredAt })),
  );

  const sentAt = new Map(fresh.map(({ item }) => [item.message.id, item.occurredAt]));
  const inserted: Array<{ id: string; conversationId: string; type: string; sentAt: Date }> = [];
  for (let start = 0; start < fresh.length; start += insertChunk) {
    const rows = fresh.slice(start, start + insertChunk).map(({ item }, i) => ({
      conversationId: conversationOf.get(conversationKey(item.businessNumberId, contactIds[start + i]!))!.id,
      wamid: item.message.id,
      type: item.message.type,
      text: summaryToStore(item.message),
      payload: item.message,
      sentAt: item.occurredAt,
      replyToWamid: referencedWamid(item.message),
    }));
    // One JSON parameter rather than one per column and message, as for statuses (lib/ingest/apply/statuses.ts).
    const stored = await rowsOf<{ id: string; conversationId: string; type: string; wamid: string }>(
      tx,
      sql`insert into ${messages} (tenant_id, conversation_id, direction, wamid, type, text, payload, sent_at, reply_to_wamid)
        select ${tenantId}::uuid, "conversationId", 'inbound', wamid, type, text, payload, "sentAt", "replyToWamid"
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as m("conversationId" uuid, wamid text, type text, text text, payload jsonb, "sentAt" timestamptz, "replyToWamid" text)
        on conflict (tenant_id, wamid) do nothing
        returning id, conversation_id as "conversationId", type, wamid`,
    );
    inserted.push(...stored.map(({ wamid, ...m }) => ({ ...m, sentAt: sentAt.get(wamid)! })));
  }
  if (inserted.length === 0) return;

  const customer = new Map<string, { n: number; at: Date }>();
  for (const m of inserted.filter((m) => isCustomerMessage(m.type))) {
    const seen = customer.get(m.conversationId);
    customer.set(m.conversationId, { n: (seen?.n ?? 0) + 1, at: seen && seen.at > m.sentAt ? seen.at : m.sentAt });
  }
  const counted: Array<Promise<unknown>> = [];
  if (customer.size > 0) {
    const counts = [...customer].map(([id, c]) => ({ id, n: c.n, at: c.at.toISOString() }));
    counted.push(tx.execute(sql`
      update ${conversations} as c set
        status = 'open',
        unread_count = c.unread_count + u.n,
        last_message_at = greatest(c.last_message_at, u.at),
        last_inbound_at = greatest(c.last_inbound_at, u.at)
      from jsonb_to_recordset(${JSON.stringify(counts)}::jsonb) as u(id uuid, n int, at timestamptz)
      where c.tenant_id = ${tenantId} and c.id = u.id`));
  }

  const created = new Set([...conversationOf.values()].filter((c) => c.created).map((c) => c.id));
  const changed = new Set(inserted.map((m) => m.conversationId).filter((id) => customer.has(id) || created.has(id)));
  const events: WorkspaceEvent[] = [
    ...inserted.map((m) => ({ tenantId, type: "message.created" as const, conversationId: m.conversationId, messageId: m.id })),
    ...[...changed].map((conversationId) => ({ tenantId, type: "conversation.updated" as const, conversationId })),
  ];
  // Neither depends on the other: sent together, one round trip (db/pipelined.ts).
  await pipelined(...counted, notifyWorkspace(tx, events[0]!, ...events.slice(1)));
}

const conversationKey = (businessNumberId: string, contactId: string) => `${businessNumberId}:${contactId}`;

type Wanted = { businessNumberId: string; contactId: string; at: Date };
type Found = { id: string; businessNumberId: string; contactId: string; created: boolean };

/**
 * The one conversation per (business number, contact), created where there is none yet
 * (its last activity: the earliest of its messages here, moved on by the customer's). One
 * statement: the insert yields to existing rows and the select beside it reads them.
 * Whoever stores a message for a contact holds a lock on one of its identities, so no
 * other batch creates the same conversation meanwhile; should another writer have done
 * so, the rows are read again.
 */
export async function findOrCreateConversations({ tx, tenantId }: IngestCtx, wanted: Wanted[]): Promise<Map<string, Found>> {
  const earliest = new Map<string, Wanted>();
  for (const w of wanted) {
    const key = conversationKey(w.businessNumberId, w.contactId);
    const seen = earliest.get(key);
    if (!seen || w.at < seen.at) earliest.set(key, w);
  }
  const values = JSON.stringify([...earliest.values()].map((w) => ({ ...w, at: w.at.toISOString() })));
  const wantedRows = sql`(select * from jsonb_to_recordset(${values}::jsonb) as w("businessNumberId" uuid, "contactId" uuid, at timestamptz))`;
  const rows = await rowsOf<Found>(
    tx,
    sql`
      with wanted as ${wantedRows},
      inserted as (
        insert into ${conversations} (tenant_id, business_number_id, contact_id, last_message_at)
        select ${tenantId}, w."businessNumberId", w."contactId", w.at from wanted as w
        on conflict (tenant_id, business_number_id, contact_id) do nothing
        returning id, business_number_id, contact_id
      )
      select id::text as id, business_number_id::text as "businessNumberId", contact_id::text as "contactId", true as created from inserted
      union all
      select c.id::text, c.business_number_id::text, c.contact_id::text, false
      from ${conversations} as c join wanted as w on c.business_number_id = w."businessNumberId" and c.contact_id = w."contactId"
      where c.tenant_id = ${tenantId}`,
  );
  const found = new Map(rows.map((r) => [conversationKey(r.businessNumberId, r.contactId), r]));
  const missing = [...earliest.values()].filter((w) => !found.has(conversationKey(w.businessNumberId, w.contactId)));
  if (missing.length > 0) {
    const raced = await tx
      .select({ id: conversations.id, businessNumberId: conversations.businessNumberId, contactId: conversations.contactId })
      .from(conversations)
      .where(
        and(
          eq(conversations.tenantId, tenantId),
          inArray(
            conversations.contactId,
            missing.map((w) => w.contactId),
          ),
        ),
      );
    for (const r of raced) found.set(conversationKey(r.businessNumberId, r.contactId), { ...r, created: false });
    if (missing.some((w) => !found.has(conversationKey(w.businessNumberId, w.contactId)))) {
      throw new Error("a conversation conflicted on insert but could not be read back");
    }
  }
  return found;
}
