import { sql } from "drizzle-orm";
import { messageStatuses, messages } from "@/db/schema";
import { rowsOf } from "@/db/rows";
import { lockName, lockNames } from "@/lib/domain/locks";
import { deliveryErrorFromStatus } from "@/lib/messages/delivery-error";
import { currentStatusRank, furthestStatus, statusRank } from "@/lib/messages/status";
import { recordEvents } from "@/lib/realtime/events";
import type { IngestCtx, StatusItem } from "./types";

/**
 * Records the statuses Meta reported for one workspace's messages, set-based: each
 * (wamid, status) once, with its own time (message_statuses, kept even for a wamid we do
 * not know: the send may not have stored it yet), then each message that got a new status
 * moved forward only, to the furthest status recorded for it (`played` ranks as read), a
 * failure with its reason, and an event (outbox row and notification) for each message moved.
 *
 * The wamids are locked first (lib/domain/locks.ts), as the send does before it stores a
 * wamid (lib/outbound/send.ts): whichever commits second sees the other's row, so a status
 * arriving while the send records its wamid is never lost. Applying the same items again
 * inserts no status and so changes nothing. Three statements for a batch of any size.
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
  // Every status now recorded for the wamids that got a new one, in the statement that records
  // them: those it inserted, and those recorded before it (its snapshot does not hold the rows it
  // inserts). Meta's payload comes back only for a failure, the one status whose reason is shown.
  // The earlier ones are looked up wamid by wamid: a workspace that Postgres's statistics did not
  // know yet looks to it like a handful of rows, and as a join against `inserted` (or a filter by
  // an array of the wamids) it read all of the workspace's statuses for every batch, 200 ms each
  // under a storm (docs/PERFORMANCE.md, "1 December 2026"). OFFSET 0 keeps the lookup from being
  // flattened back into such a join.
  const recorded = await rowsOf<Recorded>(
    tx,
    sql`
      with inserted as (
        insert into ${messageStatuses} (tenant_id, wamid, status, occurred_at, payload)
        select ${tenantId}::uuid, wamid, status, at, payload from jsonb_to_recordset(${JSON.stringify(statuses)}::jsonb) as s(wamid text, status text, at timestamptz, payload jsonb)
        on conflict do nothing
        returning wamid, status, occurred_at, payload
      )
      select wamid, status, extract(epoch from occurred_at)::float8 * 1000 as "atMs", case when status = 'failed' then payload::text end as failure
      from inserted
      union all
      select earlier.wamid, earlier.status, extract(epoch from earlier.occurred_at)::float8 * 1000, case when earlier.status = 'failed' then earlier.payload::text end
      from (select distinct wamid from inserted) as batch
      cross join lateral (
        select wamid, status, occurred_at, payload from ${messageStatuses} where tenant_id = ${tenantId} and wamid = batch.wamid offset 0
      ) as earlier`,
  );
  if (recorded.length > 0) await moveForward(ctx, recorded);
}

/** A status recorded for a wamid: its time in epoch milliseconds, and Meta's payload as JSON text when it is a failure. */
type Recorded = { wamid: string; status: string; atMs: number; failure: string | null };

/**
 * Moves each message to the furthest status recorded for its wamid, and announces each message
 * it moved, in one statement (`recordEvents`). The rank check is in the UPDATE's WHERE clause,
 * so Postgres re-checks it against the newest row version when another writer committed
 * first: forward only, without reading the message first.
 */
async function moveForward({ tx, tenantId }: IngestCtx, recorded: Recorded[]): Promise<void> {
  const byWamid = new Map<string, Array<Recorded & { occurredAt: Date }>>();
  for (const r of recorded) byWamid.set(r.wamid, [...(byWamid.get(r.wamid) ?? []), { ...r, occurredAt: new Date(Number(r.atMs)) }]);
  const targets = [...byWamid].flatMap(([wamid, all]) => {
    const best = furthestStatus(all);
    if (!best) return [];
    const error = best.status === "failed" ? deliveryErrorFromStatus(best.failure === null ? null : JSON.parse(best.failure)) : null;
    return [{ wamid, status: best.status, rank: statusRank(best.status), error }];
  });
  if (targets.length === 0) return;

  await tx.execute(sql`
    with moved as (
      update ${messages} set
        status = u.status::delivery_status,
        error = case when u.status = 'failed' then u.error else ${messages.error} end
      from jsonb_to_recordset(${JSON.stringify(targets)}::jsonb) as u(wamid text, status text, rank int, error jsonb)
      where ${messages.tenantId} = ${tenantId}
        and ${messages.wamid} = u.wamid
        and ${messages.direction} = 'outbound'
        and ${currentStatusRank} < u.rank
      returning ${messages.id} as id, ${messages.conversationId} as conversation_id
    ),
    events as (
      select row_number() over (order by conversation_id, id) as ord, ${tenantId}::uuid as tenant_id,
        'message.updated' as type, conversation_id, id as message_id
      from moved
    ),
    ${recordEvents(sql`events`)}`);
}
