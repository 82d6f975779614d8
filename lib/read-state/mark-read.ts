import { and, desc, eq, isNotNull, notInArray } from "drizzle-orm";
import { messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import type { ActorCtx } from "@/lib/domain/context";
import { log } from "@/lib/log";
import { conversationSender, flagInvalidToken, openToken, type SendingNumber } from "@/lib/outbound/sender";
import { graphClient } from "@/lib/whatsapp/graph/client";
import { GraphError, metaCodes } from "@/lib/whatsapp/graph/errors";
import { clearUnread } from "./unread";

/**
 * Call when a person opens a conversation. Clears its unread count and, if there was
 * anything unread, marks the customer's latest message as read on WhatsApp (blue ticks).
 * Best effort: never throws, never waits on anything the page needs; failures are logged
 * with ids and Meta's code only.
 */
export async function markConversationRead(ctx: ActorCtx, input: { conversationId: string }): Promise<void> {
  const { actor } = ctx;
  const fields = { tenantId: actor.tenantId, conversationId: input.conversationId };
  try {
    const target = await withTenant(actor.tenantId, async (tx) => {
      if (!(await clearUnread({ tx, actor }, input))) return null;
      const [latest] = await tx
        .select({ wamid: messages.wamid })
        .from(messages)
        .where(
          and(
            eq(messages.conversationId, input.conversationId),
            eq(messages.direction, "inbound"),
            isNotNull(messages.wamid),
            // Neither is a message a read receipt can point at.
            notInArray(messages.type, ["reaction", "system"]),
          ),
        )
        .orderBy(desc(messages.sentAt), desc(messages.receivedAt))
        .limit(1);
      const sender = await conversationSender(tx, input.conversationId);
      return latest?.wamid && sender ? { wamid: latest.wamid, number: sender.number } : null;
    });
    if (!target) return;
    const { number, wamid } = target;
    if (!number.sealedToken || number.tokenInvalidAt || number.removedAt) return;
    const withToken = number as SendingNumber & { sealedToken: string };
    const opened = openToken(withToken);
    if (!opened.ok) return;
    try {
      await (ctx.graph ?? graphClient()).markAsRead({ token: opened.token, phoneNumberId: number.phoneNumberId }, wamid);
    } catch (caught) {
      if (!(caught instanceof GraphError)) throw caught;
      log.warn("mark_read_failed", { ...fields, kind: caught.kind, httpStatus: caught.httpStatus, code: caught.code });
      if (caught.code === metaCodes.accessTokenExpired) await withTenant(actor.tenantId, (tx) => flagInvalidToken(tx, withToken));
    }
  } catch (error) {
    log.warn("mark_read_failed", { ...fields, error });
  }
}
