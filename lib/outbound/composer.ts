import { and, eq } from "drizzle-orm";
import { contacts, conversations } from "@/db/schema";
import type { TenantCtx } from "@/lib/domain/context";
import { marketingOptOut } from "@/lib/contacts/marketing-preference";
import { notFound } from "@/lib/domain/errors";
import { numberRemovedReason, tokenExpiredReason } from "./failures";
import { conversationSender } from "./sender";
import { replyWindow, type ReplyWindow } from "./window";

export type ComposerState = {
  /** Open: free text allowed until `closesAt`. Closed: templates only, since `closedAt`. */
  window: ReplyWindow;
  /** The number has no access token: what is sent is stored as "Not sent (sandbox number)". */
  sandbox: boolean;
  /** Why nothing at all can be sent from this conversation now, in words; null when something can. */
  blockedReason: string | null;
  /** Since when the customer has stopped marketing messages: the template picker warns before a MARKETING template. */
  marketingOptOutSince: Date | null;
};

/** What the reply composer must know about a conversation before anyone types. */
export async function composerState({ tx }: TenantCtx, input: { conversationId: string }, now: Date = new Date()): Promise<ComposerState> {
  const sender = await conversationSender(tx, input.conversationId);
  if (!sender) throw notFound("Conversation");
  const { number } = sender;
  let blockedReason: string | null = null;
  if (number.removedAt) blockedReason = numberRemovedReason;
  else if (number.sealedToken && number.tokenInvalidAt) blockedReason = tokenExpiredReason;
  const [contact] = await tx
    .select({ marketingPreference: contacts.marketingPreference, marketingPreferenceAt: contacts.marketingPreferenceAt })
    .from(conversations)
    .innerJoin(contacts, and(eq(contacts.tenantId, conversations.tenantId), eq(contacts.id, conversations.contactId)))
    .where(eq(conversations.id, input.conversationId));
  return {
    window: replyWindow(sender, now),
    sandbox: number.sealedToken === null,
    blockedReason,
    marketingOptOutSince: contact ? (marketingOptOut(contact)?.since ?? null) : null,
  };
}
