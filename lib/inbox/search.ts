import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { TenantCtx } from "@/lib/domain/context";
import { businessNumbers, contacts, conversations, messages } from "@/db/schema";
import { conversationsWhere, type ConversationListItem } from "./conversations";
import { newestFirst } from "./cursor";
import { contactDisplayName } from "@/lib/contacts/name";
import { previewOf } from "@/lib/messages/summary";
import { typedText } from "@/lib/typed-text";

/**
 * Search within one workspace: message text, contact names and contact numbers. Matching
 * is a substring, case- and accent-insensitive ("donde" finds "¿Dónde está mi pedido?"),
 * through trigram indexes reached by the SQL functions of the inbox_search migration
 * (which say why they exist). A term needs three letters or digits in a row: shorter
 * ones have no trigram to look up and would read the whole workspace.
 */
export const searchInput = z.object({
  query: typedText()
    .transform((q) => q.normalize("NFC").trim().replace(/\s+/g, " "))
    .pipe(
      z
        .string()
        .max(200, "Search for at most 200 characters.")
        .regex(/[\p{L}\p{N}]{3}/u, "Type at least three letters or digits to search."),
    ),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export type SearchInput = z.output<typeof searchInput>;

export type MessageHit = {
  conversationId: string;
  /** Open the thread with `getThread({ around: messageId })`. */
  messageId: string;
  direction: "inbound" | "outbound" | "event";
  type: string;
  summary: string;
  sentAt: Date;
  contact: { id: string; name: string | null; waId: string | null; userId: string | null };
  number: { id: string; label: string };
};

export type SearchResult = {
  /** Conversations whose contact's name or number matches, most recently active first. */
  conversations: ConversationListItem[];
  /** Messages whose text matches, newest first. */
  messages: MessageHit[];
};

/** The digits of a query that looks like a phone number ("+52 55 1234-5678"), else null. */
function phoneDigits(query: string): string | null {
  if (!/^[\d\s+().-]+$/.test(query)) return null;
  const digits = query.replace(/\D/g, "");
  return digits.length >= 3 ? digits : null;
}

export async function searchInbox({ tx, actor }: TenantCtx, { query, limit }: SearchInput): Promise<SearchResult> {
  const { tenantId } = actor;
  const byContact = await conversationsWhere(
    tx,
    tenantId,
    sql`${conversations.id} in (select id from switchboard_search_contacts(${query}::text, ${phoneDigits(query)}::text, ${limit}::integer))`,
    limit,
  );
  const hits = await tx
    .select({
      conversationId: messages.conversationId,
      messageId: messages.id,
      direction: messages.direction,
      type: messages.type,
      text: messages.text,
      sentAt: messages.sentAt,
      contactId: contacts.id,
      contactName: contactDisplayName,
      contactWaId: contacts.waId,
      contactUserId: contacts.userId,
      numberId: businessNumbers.id,
      numberLabel: businessNumbers.label,
    })
    .from(messages)
    .innerJoin(conversations, and(eq(conversations.tenantId, messages.tenantId), eq(conversations.id, messages.conversationId)))
    .innerJoin(contacts, and(eq(contacts.tenantId, conversations.tenantId), eq(contacts.id, conversations.contactId)))
    .innerJoin(
      businessNumbers,
      and(eq(businessNumbers.tenantId, conversations.tenantId), eq(businessNumbers.id, conversations.businessNumberId)),
    )
    .where(
      and(
        eq(messages.tenantId, tenantId),
        sql`${messages.id} in (select id from switchboard_search_messages(${query}::text, ${limit}::integer))`,
      ),
    )
    .orderBy(newestFirst(messages.sentAt), newestFirst(messages.id));
  return {
    conversations: byContact,
    messages: hits.map((h) => ({
      conversationId: h.conversationId,
      messageId: h.messageId,
      direction: h.direction,
      type: h.type,
      summary: previewOf(h),
      sentAt: h.sentAt,
      contact: { id: h.contactId, name: h.contactName, waId: h.contactWaId, userId: h.contactUserId },
      number: { id: h.numberId, label: h.numberLabel },
    })),
  };
}
