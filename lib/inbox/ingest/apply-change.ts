import type { NumberRoute } from "@/db/platform";
import { withTenant } from "@/db/tenant";
import { log } from "@/lib/log";
import { senderProfile, type MessagesValue } from "@/lib/whatsapp/payload";
import { storeInboundMessage } from "./messages";
import { recordStatus } from "./statuses";

export type ChangeCounts = { messages: number; statuses: number; duplicates: number; errors: number };

/**
 * One change (one receiving number) applied to the workspace that owns the number. Each
 * message and status is its own transaction: one contact and conversation at a time, so
 * concurrent deliveries wait on each other in the same order and never deadlock.
 */
export async function applyChange(route: NumberRoute, value: MessagesValue): Promise<ChangeCounts> {
  const { tenantId, businessNumberId } = route;
  const phoneNumberId = value.metadata.phone_number_id;
  const counts: ChangeCounts = { messages: 0, statuses: 0, duplicates: 0, errors: 0 };

  for (const message of value.messages ?? []) {
    if (!message.from && !message.from_user_id) {
      log.warn("webhook_message_without_sender", { tenantId, phoneNumberId, wamid: message.id });
      continue;
    }
    // The route says this workspace owns the number; without the number itself there is
    // nowhere to put the conversation, so fail and let the retry find it later.
    if (!businessNumberId) throw new Error(`phone number ${phoneNumberId} is routed to workspace ${tenantId}, which has no such number`);
    const result = await withTenant(tenantId, (tx) =>
      storeInboundMessage(tx, { tenantId, businessNumberId, message, profile: senderProfile(value, message) }),
    );
    if (result.stored) counts.messages++;
    else counts.duplicates++;
  }

  for (const status of value.statuses ?? []) {
    const result = await withTenant(tenantId, (tx) => recordStatus(tx, tenantId, status));
    if (result.recorded) counts.statuses++;
    else counts.duplicates++;
  }

  // Errors about the number itself (not one message) have no row of their own: the raw
  // delivery keeps them, and the log says which workspace they concern.
  for (const error of value.errors ?? []) {
    counts.errors++;
    log.warn("whatsapp_number_error", { tenantId, phoneNumberId, code: error.code, title: error.title });
  }
  return counts;
}
