import { storeInboundMessage } from "@/lib/inbox/ingest/messages";
import type { IngestCtx, MessageItem } from "./types";

/** Stores each inbound message once (lib/inbox/ingest/messages.ts), at the item's time. */
export async function applyMessages(ctx: IngestCtx, items: MessageItem[]): Promise<void> {
  for (const item of items) {
    await storeInboundMessage(ctx.tx, {
      tenantId: ctx.tenantId,
      businessNumberId: item.businessNumberId,
      message: item.message,
      profile: item.profile,
      sentAt: item.occurredAt,
    });
  }
}
