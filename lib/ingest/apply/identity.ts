import { resolveContacts } from "@/lib/contacts/identity";
import { findOrCreateConversations } from "./messages";
import type { IngestCtx } from "./types";

/**
 * The one place the field appliers find a customer's contact and conversation: the same
 * identity resolution (locks, merges) and conversation creation as the message applier.
 */

/** The customer's contact, created on first sight; never renames it (only a message does). */
export async function customerContact(ctx: IngestCtx, customer: { waId?: string; userId?: string; at: Date }): Promise<string> {
  const [contactId] = await resolveContacts(ctx, [{ waId: customer.waId, userId: customer.userId, at: customer.at }]);
  return contactId!;
}

/** The conversation between a business number and a contact, created when there is none. */
export async function customerConversation(
  ctx: IngestCtx,
  input: { businessNumberId: string; contactId: string; at: Date },
): Promise<{ id: string; created: boolean }> {
  const found = await findOrCreateConversations(ctx, [input]);
  return [...found.values()][0]!;
}
