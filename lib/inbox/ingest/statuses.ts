import { and, eq, sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { messageStatuses, messages } from "@/db/schema";
import { lockName, lockNames } from "@/lib/domain/locks";
import { deliveryErrorFromStatus } from "@/lib/messages/delivery-error";
import { currentStatusRank, furthestStatus, statusRank } from "@/lib/messages/status";
import { notifyWorkspace } from "@/lib/realtime/events";
import { timestampToDate, type WhatsAppStatus } from "@/lib/whatsapp/payload";

/**
 * Records a status Meta reported for a message sent from this workspace's number, once per
 * (wamid, status), and moves the message forward if it is ours. A wamid we do not know is
 * kept: the status may simply have arrived before our send finished recording the wamid.
 */
export async function recordStatus(
  tx: TenantTx,
  tenantId: string,
  status: WhatsAppStatus,
  occurredAt: Date = timestampToDate(status.timestamp),
): Promise<{ recorded: boolean }> {
  // As lib/ingest/apply/statuses.ts: the send takes the same lock before it stores the wamid.
  await lockNames(tx, tenantId, [lockName.wamid(status.id)]);
  const [recorded] = await tx
    .insert(messageStatuses)
    .values({ tenantId, wamid: status.id, status: status.status, occurredAt, payload: status })
    .onConflictDoNothing()
    .returning({ wamid: messageStatuses.wamid });
  if (!recorded) return { recorded: false };
  await applyRecordedStatuses(tx, tenantId, status.id);
  return { recorded: true };
}

/**
 * Moves a message to the furthest status recorded for its wamid, whatever order they came
 * in. The sending side calls it too, in the transaction that stores an outbound message's
 * wamid, so a status that overtook the Graph API's answer is not lost.
 */
export async function applyRecordedStatuses(tx: TenantTx, tenantId: string, wamid: string): Promise<void> {
  const recorded = await tx
    .select({ status: messageStatuses.status, occurredAt: messageStatuses.occurredAt, payload: messageStatuses.payload })
    .from(messageStatuses)
    .where(and(eq(messageStatuses.tenantId, tenantId), eq(messageStatuses.wamid, wamid)));
  const best = furthestStatus(recorded);
  if (!best) return;

  // The rank check is in the WHERE clause, so Postgres re-checks it against the newest row
  // version when another status for this message committed first: forward-only holds
  // without reading the message first.
  const updated = await tx
    .update(messages)
    .set(best.status === "failed" ? { status: best.status, error: deliveryErrorFromStatus(best.payload) } : { status: best.status })
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.wamid, wamid),
        eq(messages.direction, "outbound"),
        sql`${currentStatusRank} < ${statusRank(best.status)}`,
      ),
    )
    .returning({ id: messages.id, conversationId: messages.conversationId });
  for (const message of updated) {
    await notifyWorkspace(tx, { tenantId, type: "message.updated", conversationId: message.conversationId, messageId: message.id });
  }
}
