import { and, eq, sql } from "drizzle-orm";
import { anyOf } from "@/db/any-of";
import { messageStatuses, messages } from "@/db/schema";
import { rowsOf } from "@/db/rows";
import { lockName, lockNames } from "@/lib/domain/locks";
import { deliveryErrorFromStatus } from "@/lib/messages/delivery-error";
import { currentStatusRank, furthestStatus, statusRank } from "@/lib/messages/status";
import { notifyWorkspace } from "@/lib/realtime/events";
import type { IngestCtx, StatusItem } from "./types";

/**
 * Records the statuses Meta reported for one workspace's messages, set-based: each
 * (wamid, status) once, with its own time (message_statuses, kept even for a wamid we do
 * not know: the send may not have stored it yet), then each message that got a new status
 * moved forward only, to the furthest status recorded for it (`played` ranks as read), a
 * failure with its reason, and one notification for the messages that changed.
 *
 * The wamids are locked first (lib/domain/locks.ts), as the send does before it stores a
 * wamid (lib/outbound/send.ts): whichever commits second sees the other's row, so a status
 * arriving while the send records its wamid is never lost. Applying the same items again
 * inserts no status and so changes nothing. Five statements for a batch of any size.
 */
export async function applyStatuses(ctx: IngestCtx, items: StatusItem[]): Promise<void> {
  const { tx, tenantId } = ctx;
  const unique = new Map<string, StatusItem>();
  for (const item of items) {
    const key = JSON.stringify([item.status.id, item.status.status]);
    if (!unique.has(key)) unique.set(key, item);
  }
  if (unique.size === 0) return;
  const wamids = [...new Set([...unique.values()].map((item) => item.status.id))];
  await lockNames(tx, tenantId, wamids.map(lockName.wamid));

  // One JSON parameter, not five per status: a storm's batches are hundreds of statuses, and
  // building a parameter for each was a large part of the server's CPU (docs/PERFORMANCE.md).
  const statuses = [...unique.values()].map((item) => ({ wamid: item.status.id, status: item.status.status, at: item.occurredAt, payload: item.status }));
  const recorded = await rowsOf<{ wamid: string }>(
    tx,
    sql`insert into ${messageStatuses} (tenant_id, wamid, status, occurred_at, payload)
      select ${tenantId}::uuid, wamid, status, at, payload from jsonb_to_recordset(${JSON.stringify(statuses)}::jsonb) as s(wamid text, status text, at timestamptz, payload jsonb)
      on conflict do nothing
      returning wamid`,
  );
  if (recorded.length === 0) return;

  const changed = [...new Set(recorded.map((r) => r.wamid))];
  await moveForward(ctx, changed);
}

/**
 * Moves each message to the furthest status recorded for its wamid. The rank check is in
 * the UPDATE's WHERE clause, so Postgres re-checks it against the newest row version when
 * another writer committed first: forward only, without reading the message first.
 */
async function moveForward({ tx, tenantId }: IngestCtx, wamids: string[]): Promise<void> {
  const all = await tx
    .select({
      wamid: messageStatuses.wamid,
      status: messageStatuses.status,
      occurredAt: messageStatuses.occurredAt,
      payload: messageStatuses.payload,
    })
    .from(messageStatuses)
    .where(and(eq(messageStatuses.tenantId, tenantId), anyOf(messageStatuses.wamid, wamids)));
  const byWamid = new Map<string, typeof all>();
  for (const s of all) byWamid.set(s.wamid, [...(byWamid.get(s.wamid) ?? []), s]);
  const targets = [...byWamid].flatMap(([wamid, recorded]) => {
    const best = furthestStatus(recorded);
    if (!best) return [];
    const error = best.status === "failed" ? deliveryErrorFromStatus(best.payload) : null;
    return [{ wamid, status: best.status, rank: statusRank(best.status), error }];
  });
  if (targets.length === 0) return;

  const moved = await rowsOf<{ id: string; conversationId: string }>(
    tx,
    sql`
      update ${messages} set
        status = u.status::delivery_status,
        error = case when u.status = 'failed' then u.error else ${messages.error} end
      from jsonb_to_recordset(${JSON.stringify(targets)}::jsonb) as u(wamid text, status text, rank int, error jsonb)
      where ${messages.tenantId} = ${tenantId}
        and ${messages.wamid} = u.wamid
        and ${messages.direction} = 'outbound'
        and ${currentStatusRank} < u.rank
      returning ${messages.id}::text as id, ${messages.conversationId}::text as "conversationId"`,
  );
  const [first, ...rest] = moved.map((m) => ({
    tenantId,
    type: "message.updated" as const,
    conversationId: m.conversationId,
    messageId: m.id,
  }));
  if (first) await notifyWorkspace(tx, first, ...rest);
}
