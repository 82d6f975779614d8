import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { anyOf } from "@/db/any-of";
import { pipelined } from "@/db/pipelined";
import { conversations, messages } from "@/db/schema";
import { rowsOf } from "@/db/rows";
import { lockIdentities, resolveContactsThen, type Sender } from "@/lib/contacts/identity";
import { log } from "@/lib/log";
import { summaryToStore } from "@/lib/messages/summary";
import { recordEvents } from "@/lib/realtime/events";
import { referencedWamid } from "@/lib/whatsapp/references";
import type { IngestCtx, MessageItem } from "./types";

/**
 * Reactions attach to another bubble and `system` lines are not the customer writing:
 * neither makes a conversation unread, reopens it, or opens WhatsApp's reply window.
 */
const customerMessage = (type: SQL) => sql`${type} not in ('reaction', 'system')`;

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

/**
 * Stores one workspace's inbound messages, set-based, following docs/ARCHITECTURE.md
 * "Messages: how each kind is stored": contacts resolved (lib/contacts/identity.ts),
 * conversations found or created, messages inserted once per wamid, then the conversations
 * of the customer messages this call inserted reopened, counted unread and moved forward
 * (WhatsApp's time, never arrival), and their events recorded. Every side effect follows
 * from the rows the insert returned, in the insert's own statement, so applying the same
 * items again changes nothing and tells nobody. Four round trips for a batch of known
 * customers of any size (redelivery check and locks, contacts, their update beside the
 * conversations, the messages with everything that follows from them), one more for new
 * customers.
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
  // this check are still stored once, by the insert's unique key. The senders' identities are
  // locked meanwhile: the check reads no contact, and a redelivery's locks cost nothing.
  const [known, locked] = await pipelined(
    tx
      .select({ wamid: messages.wamid })
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), anyOf(messages.wamid, [...byWamid.keys()]))),
    lockIdentities(
      ctx,
      [...byWamid.values()].map((f) => f.sender),
    ),
  );
  for (const { wamid } of known) byWamid.delete(wamid!);
  const fresh = [...byWamid.values()];
  if (fresh.length === 0) return;

  const [contactIds, conversationOf] = await resolveContactsThen(
    ctx,
    fresh.map((f) => f.sender),
    (ids) =>
      findOrCreateConversations(
        ctx,
        fresh.map(({ item }, i) => ({ businessNumberId: item.businessNumberId, contactId: ids[i]!, at: item.occurredAt })),
      ),
    locked,
  );

  // One JSON parameter rather than one per column and message, as for statuses (lib/ingest/apply/statuses.ts).
  const rows = fresh.map(({ item }, i) => ({
    ord: i,
    conversationId: conversationOf.get(conversationKey(item.businessNumberId, contactIds[i]!))!.id,
    wamid: item.message.id,
    type: item.message.type,
    text: summaryToStore(item.message),
    payload: item.message,
    sentAt: item.occurredAt,
    replyToWamid: referencedWamid(item.message),
  }));
  const created = [...conversationOf.values()].filter((c) => c.created).map((c) => c.id);
  // message.created for each message inserted, in the batch's order, then conversation.updated
  // for each conversation a customer's message changed or that this batch created.
  await tx.execute(sql`
    with m as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as m(ord int, "conversationId" uuid, wamid text, type text, text text, payload jsonb, "sentAt" timestamptz, "replyToWamid" text)
    ),
    inserted as (
      insert into ${messages} (tenant_id, conversation_id, direction, wamid, type, text, payload, sent_at, reply_to_wamid)
      select ${tenantId}::uuid, "conversationId", 'inbound', wamid, type, text, payload, "sentAt", "replyToWamid" from m order by ord
      on conflict (tenant_id, wamid) do nothing
      returning id, conversation_id, type, sent_at, wamid
    ),
    counted as (
      update ${conversations} as c set
        status = 'open',
        unread_count = c.unread_count + u.n,
        last_message_at = greatest(c.last_message_at, u.at),
        last_inbound_at = greatest(c.last_inbound_at, u.at)
      from (select conversation_id, count(*)::int as n, max(sent_at) as at from inserted where ${customerMessage(sql`type`)} group by conversation_id) as u
      where c.tenant_id = ${tenantId} and c.id = u.conversation_id
    ),
    events as (
      select m.ord, ${tenantId}::uuid as tenant_id, 'message.created' as type, i.conversation_id, i.id as message_id
      from inserted as i join m using (wamid)
      union all
      select ${rows.length} + min(m.ord), ${tenantId}::uuid, 'conversation.updated', i.conversation_id, null::uuid
      from inserted as i join m using (wamid)
      where ${customerMessage(sql`i.type`)} or i.conversation_id = any(${sql.param(created)}::uuid[])
      group by i.conversation_id
    ),
    ${recordEvents(sql`events`)}`);
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
