import type { IngestCtx } from "./types";
import { upsertSender } from "@/lib/inbox/ingest/contacts";
import { findOrCreateConversation } from "@/lib/inbox/ingest/conversations";

/**
 * The one place the field appliers find a customer's contact and conversation. They use the
 * inbox's ingest helpers, which the message applier is rewriting (one person, one contact):
 * when those move, only this file follows.
 */

/** The customer's contact, created on first sight; never renames it (only a message does). */
export function customerContact({ tx, tenantId }: IngestCtx, customer: { waId?: string; userId?: string }): Promise<string> {
  return upsertSender(tx, tenantId, { waId: customer.waId, userId: customer.userId });
}

/** The conversation between a business number and a contact, created when there is none. */
export function customerConversation(
  { tx, tenantId }: IngestCtx,
  input: { businessNumberId: string; contactId: string; at: Date },
): Promise<{ id: string; created: boolean }> {
  return findOrCreateConversation(tx, { tenantId, ...input });
}
