import type { TenantCtx } from "@/lib/domain/context";
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
};

/** What the reply composer must know about a conversation before anyone types. */
export async function composerState({ tx }: TenantCtx, input: { conversationId: string }, now: Date = new Date()): Promise<ComposerState> {
  const sender = await conversationSender(tx, input.conversationId);
  if (!sender) throw notFound("Conversation");
  const { number } = sender;
  let blockedReason: string | null = null;
  if (number.removedAt) blockedReason = numberRemovedReason;
  else if (number.sealedToken && number.tokenInvalidAt) blockedReason = tokenExpiredReason;
  return { window: replyWindow(sender, now), sandbox: number.sealedToken === null, blockedReason };
}
