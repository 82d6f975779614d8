import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { TenantTx } from "@/db/transactions";
import { businessNumbers, contacts, conversations } from "@/db/schema";
import { decryptSecret } from "@/lib/crypto/secret-box";
import { log } from "@/lib/log";
import type { Recipient } from "@/lib/whatsapp/graph/messages";
import { tokenUnreadableReason, type DeliveryError } from "./failures";

/**
 * Who sends for a conversation: its business number (with the sealed access token, opened
 * only for the call) and the customer to address.
 */
export type SendingNumber = {
  numberId: string;
  phoneNumberId: string;
  wabaId: string;
  /** Null: a sandbox number, which never calls Meta. */
  sealedToken: string | null;
  tokenInvalidAt: Date | null;
  removedAt: Date | null;
};

export type ConversationSender = {
  conversationId: string;
  lastInboundAt: Date | null;
  recipient: Recipient;
  number: SendingNumber;
};

export const numberColumns = {
  numberId: businessNumbers.id,
  phoneNumberId: businessNumbers.phoneNumberId,
  wabaId: businessNumbers.wabaId,
  sealedToken: businessNumbers.accessTokenEncrypted,
  tokenInvalidAt: businessNumbers.accessTokenInvalidAt,
  removedAt: businessNumbers.removedAt,
};

/** Null for a conversation this workspace does not have (or an id that is not a uuid). */
export async function conversationSender(tx: TenantTx, conversationId: string): Promise<ConversationSender | null> {
  if (!z.uuid().safeParse(conversationId).success) return null;
  const [row] = await tx
    .select({
      conversationId: conversations.id,
      lastInboundAt: conversations.lastInboundAt,
      waId: contacts.waId,
      userId: contacts.userId,
      ...numberColumns,
    })
    .from(conversations)
    .innerJoin(contacts, and(eq(contacts.tenantId, conversations.tenantId), eq(contacts.id, conversations.contactId)))
    .innerJoin(
      businessNumbers,
      and(eq(businessNumbers.tenantId, conversations.tenantId), eq(businessNumbers.id, conversations.businessNumberId)),
    )
    .where(eq(conversations.id, conversationId));
  if (!row) return null;
  const { conversationId: id, lastInboundAt, waId, userId, ...number } = row;
  // contacts_identified guarantees one of the two; a phone number is preferred, as Meta asks.
  const recipient: Recipient = waId ? { waId } : { userId: userId! };
  return { conversationId: id, lastInboundAt, recipient, number };
}

export type OpenedToken = { ok: true; token: string } | { ok: false; error: DeliveryError };

/** The plaintext token, for one call. Never stored, returned to a page or logged. */
export function openToken(number: SendingNumber & { sealedToken: string }): OpenedToken {
  try {
    return { ok: true, token: decryptSecret(number.sealedToken, number.numberId) };
  } catch {
    log.error("access_token_unreadable", { numberId: number.numberId });
    return { ok: false, error: { reason: tokenUnreadableReason, code: null, title: null, message: null, details: null } };
  }
}

/**
 * Flags the number in Settings after Meta refused its token. Only the token that failed:
 * if an admin replaced it meanwhile, the new one is left alone.
 */
export async function flagInvalidToken(tx: TenantTx, number: { numberId: string; sealedToken: string }): Promise<void> {
  const flagged = await tx
    .update(businessNumbers)
    .set({ accessTokenInvalidAt: new Date() })
    .where(
      and(
        eq(businessNumbers.id, number.numberId),
        eq(businessNumbers.accessTokenEncrypted, number.sealedToken),
        isNull(businessNumbers.accessTokenInvalidAt),
      ),
    )
    .returning({ id: businessNumbers.id });
  if (flagged.length > 0) log.warn("access_token_flagged_invalid", { numberId: number.numberId });
}
