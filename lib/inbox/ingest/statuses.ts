import { and, eq, sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { messageStatuses, messages } from "@/db/schema";
import { notifyWorkspace } from "@/lib/realtime/events";
import { statusSchema, timestampToDate, type WhatsAppStatus } from "@/lib/whatsapp/payload";

/**
 * How far a message has got. Statuses arrive in any order and more than once; a message
 * only ever moves up this scale. `failed` ranks with `read`: both are final, and neither
 * replaces the other.
 */
const rank = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 3 } as const;
type MessageStatus = keyof typeof rank;

function isMessageStatus(status: string): status is Exclude<MessageStatus, "pending"> {
  return status === "sent" || status === "delivered" || status === "read" || status === "failed";
}

const currentRank = sql`(case ${messages.status} when 'sent' then 1 when 'delivered' then 2 when 'read' then 3 when 'failed' then 3 else 0 end)`;

export type DeliveryError = { code: number | null; title: string | null; message: string | null; details: string | null };

/** Code, title and details of a `failed` status, from the status as Meta sent it. */
function deliveryError(payload: unknown): DeliveryError {
  const parsed = statusSchema.safeParse(payload);
  const first = parsed.success ? parsed.data.errors?.[0] : undefined;
  return {
    code: first?.code ?? null,
    title: first?.title ?? null,
    message: first?.message ?? null,
    details: first?.error_data?.details ?? null,
  };
}

/**
 * Records a status Meta reported for a message sent from this workspace's number, once per
 * (wamid, status), and moves the message forward if it is ours. A wamid we do not know is
 * kept: the status may simply have arrived before our send finished recording the wamid.
 */
export async function recordStatus(tx: TenantTx, tenantId: string, status: WhatsAppStatus): Promise<{ recorded: boolean }> {
  const [recorded] = await tx
    .insert(messageStatuses)
    .values({ tenantId, wamid: status.id, status: status.status, occurredAt: timestampToDate(status.timestamp), payload: status })
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
  const best = recorded
    .flatMap((r) => (isMessageStatus(r.status) ? [{ ...r, status: r.status }] : []))
    .sort((a, b) => rank[b.status] - rank[a.status] || a.occurredAt.getTime() - b.occurredAt.getTime())[0];
  if (!best) return;

  // The rank check is in the WHERE clause, so Postgres re-checks it against the newest row
  // version when another status for this message committed first: forward-only holds
  // without reading the message first.
  const updated = await tx
    .update(messages)
    .set(best.status === "failed" ? { status: best.status, error: deliveryError(best.payload) } : { status: best.status })
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.wamid, wamid),
        eq(messages.direction, "outbound"),
        sql`${currentRank} < ${rank[best.status]}`,
      ),
    )
    .returning({ id: messages.id, conversationId: messages.conversationId });
  for (const message of updated) {
    await notifyWorkspace(tx, { tenantId, type: "message.updated", conversationId: message.conversationId, messageId: message.id });
  }
}
