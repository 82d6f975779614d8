import { and, eq, isNull, ne, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { TenantTx } from "@/db/transactions";
import type { TenantCtx } from "@/lib/domain/context";
import { businessNumbers, contacts, conversations, messages, users, type Message } from "@/db/schema";
import { survivorOf } from "@/lib/contacts/merge";
import { contactDisplayName } from "@/lib/contacts/name";
import { marketingOptOut } from "@/lib/contacts/marketing-preference";
import { previewOf } from "@/lib/messages/summary";
import { cursorSchema, encodeCursor, keysetCondition, keysetTime, newestFirst } from "./cursor";

export type ConversationListItem = {
  id: string;
  status: "open" | "resolved";
  unreadCount: number;
  lastMessageAt: Date;
  /** WhatsApp's 24-hour window for free-form replies runs from here. */
  lastInboundAt: Date | null;
  contact: {
    id: string;
    name: string | null;
    /** The customer's number as WhatsApp reports it (digits, no +); null for username-only users. */
    waId: string | null;
    /** Meta's business-scoped user id, the only handle of a username-only user. */
    userId: string | null;
    /** Since when the customer has asked WhatsApp to stop marketing messages from this business; null if they have not. */
    marketingOptOutSince: Date | null;
  };
  number: { id: string; label: string; displayNumber: string };
  assignee: { id: string; name: string } | null;
  /** The newest message that is not a reaction or a thread event; null before the first. */
  preview: {
    messageId: string;
    direction: "inbound" | "outbound";
    type: string;
    summary: string;
    status: Message["status"];
    sentAt: Date;
  } | null;
};

const assignee = alias(users, "assignee");

/**
 * The conversations the list, a thread's header and search show, in two steps: first the
 * page itself (filters, order, limit: one partial-index range scan), then, for those rows
 * only, contact, number, assignee and the preview. The preview is one probe of the thread
 * index per row (LATERAL), not columns on conversations that every writer would have to
 * keep in step; docs/ARCHITECTURE.md ("Inbox queries") has the measurements. Deciding the
 * page first matters: joined before the LIMIT, the planner may decorate every open
 * conversation and only then keep fifty.
 */
async function selectConversations(tx: TenantTx, tenantId: string, where: SQL | undefined, limit: number) {
  const page = tx
    .select({
      id: conversations.id,
      contactId: conversations.contactId,
      businessNumberId: conversations.businessNumberId,
      assigneeUserId: conversations.assigneeUserId,
      status: conversations.status,
      unreadCount: conversations.unreadCount,
      lastMessageAt: conversations.lastMessageAt,
      lastInboundAt: conversations.lastInboundAt,
    })
    .from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), where))
    .orderBy(newestFirst(conversations.lastMessageAt), newestFirst(conversations.id))
    .limit(limit)
    .as("page");

  const preview = tx
    .select({
      id: messages.id,
      direction: messages.direction,
      type: messages.type,
      text: messages.text,
      status: messages.status,
      sentAt: messages.sentAt,
    })
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.conversationId, page.id),
        ne(messages.type, "reaction"),
        ne(messages.direction, "event"),
      ),
    )
    .orderBy(newestFirst(messages.sentAt), newestFirst(messages.id))
    .limit(1)
    .as("preview");

  return tx
    .select({
      id: page.id,
      status: page.status,
      unreadCount: page.unreadCount,
      lastMessageAt: page.lastMessageAt,
      lastInboundAt: page.lastInboundAt,
      keysetAt: keysetTime(page.lastMessageAt),
      contactId: contacts.id,
      contactName: contactDisplayName,
      contactWaId: contacts.waId,
      contactUserId: contacts.userId,
      contactMarketingPreference: contacts.marketingPreference,
      contactMarketingPreferenceAt: contacts.marketingPreferenceAt,
      numberId: businessNumbers.id,
      numberLabel: businessNumbers.label,
      numberDisplay: businessNumbers.displayNumber,
      assigneeId: assignee.id,
      assigneeName: assignee.name,
      previewId: preview.id,
      previewDirection: preview.direction,
      previewType: preview.type,
      previewText: preview.text,
      previewStatus: preview.status,
      previewSentAt: preview.sentAt,
    })
    .from(page)
    // The tenant as a value, not page.tenant_id: the planner then probes primary keys per row.
    .innerJoin(contacts, and(eq(contacts.tenantId, tenantId), eq(contacts.id, page.contactId)))
    .innerJoin(businessNumbers, and(eq(businessNumbers.tenantId, tenantId), eq(businessNumbers.id, page.businessNumberId)))
    .leftJoin(assignee, eq(assignee.id, page.assigneeUserId))
    .leftJoinLateral(preview, sql`true`)
    .orderBy(newestFirst(page.lastMessageAt), newestFirst(page.id));
}

type ConversationRow = Awaited<ReturnType<typeof selectConversations>>[number];

function toListItem(row: ConversationRow): ConversationListItem {
  return {
    id: row.id,
    status: row.status,
    unreadCount: row.unreadCount,
    lastMessageAt: row.lastMessageAt,
    lastInboundAt: row.lastInboundAt,
    contact: {
      id: row.contactId,
      name: row.contactName,
      waId: row.contactWaId,
      userId: row.contactUserId,
      marketingOptOutSince:
        marketingOptOut({ marketingPreference: row.contactMarketingPreference, marketingPreferenceAt: row.contactMarketingPreferenceAt })?.since ?? null,
    },
    number: { id: row.numberId, label: row.numberLabel, displayNumber: row.numberDisplay },
    assignee: row.assigneeId ? { id: row.assigneeId, name: row.assigneeName ?? "" } : null,
    preview:
      row.previewId && row.previewSentAt && row.previewType
        ? {
            messageId: row.previewId,
            direction: row.previewDirection === "outbound" ? "outbound" : "inbound",
            type: row.previewType,
            summary: previewOf({ type: row.previewType, text: row.previewText }),
            status: row.previewStatus,
            sentAt: row.previewSentAt,
          }
        : null,
  };
}

/** Conversations matching `where`, most recent activity first: shared with search. */
export async function conversationsWhere(tx: TenantTx, tenantId: string, where: SQL, limit: number) {
  return (await selectConversations(tx, tenantId, where, limit)).map(toListItem);
}

// The status must reach Postgres as a literal, not a bound parameter: the partial indexes
// are chosen by proving their predicate, which a generic plan over a parameter cannot do.
const statusIs = {
  open: sql`${conversations.status} = 'open'`,
  resolved: sql`${conversations.status} = 'resolved'`,
} as const;

export const listConversationsInput = z.object({
  status: z.enum(["open", "resolved"]).default("open"),
  assignee: z.enum(["all", "mine", "unassigned"]).default("all"),
  businessNumberId: z.uuid().optional(),
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** What the edge validated (cursor decoded, defaults filled); "mine" means the actor. */
export type ListConversationsInput = z.output<typeof listConversationsInput>;

export type ConversationPage = { conversations: ConversationListItem[]; nextCursor: string | null };

/** One page of the inbox, most recent activity first; `nextCursor` fetches the next page. */
export async function listConversations({ tx, actor }: TenantCtx, input: ListConversationsInput): Promise<ConversationPage> {
  const { tenantId, userId } = actor;
  const { status, assignee: who, businessNumberId, cursor, limit } = input;
  const rows = await selectConversations(
    tx,
    tenantId,
    and(
      statusIs[status],
      who === "mine" ? eq(conversations.assigneeUserId, userId) : undefined,
      who === "unassigned" ? isNull(conversations.assigneeUserId) : undefined,
      businessNumberId ? eq(conversations.businessNumberId, businessNumberId) : undefined,
      cursor ? keysetCondition(conversations.lastMessageAt, conversations.id, cursor, "older") : undefined,
    ),
    limit + 1,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    conversations: page.map(toListItem),
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.keysetAt, id: last.id }) : null,
  };
}

export type ConversationInput = { conversationId: string };

/** One conversation as the list shows it (the thread's header), or null: answer 404. */
export async function getConversation({ tx, actor }: TenantCtx, { conversationId }: ConversationInput): Promise<ConversationListItem | null> {
  const { tenantId } = actor;
  const [item] = await conversationsWhere(tx, tenantId, eq(conversations.id, conversationId), 1);
  if (item) return item;
  // A conversation merged into another (lib/contacts/merge.ts): old links open the survivor,
  // whose id the answer carries.
  const survivorId = await survivorOf(tx, tenantId, conversationId);
  if (!survivorId) return null;
  const [survivor] = await conversationsWhere(tx, tenantId, eq(conversations.id, survivorId), 1);
  return survivor ?? null;
}
