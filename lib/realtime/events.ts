import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { TenantTx } from "@/db/transactions";

/**
 * What the inbox hears about, per workspace. Sent with pg_notify inside the transaction
 * that made the change, so Postgres delivers it only if and when that transaction commits,
 * to every app instance listening.
 */
export const eventsChannel = "switchboard_events";

export const workspaceEventSchema = z.object({
  tenantId: z.uuid(),
  type: z.enum(["message.created", "message.updated", "conversation.updated"]),
  conversationId: z.uuid(),
  messageId: z.uuid().optional(),
});

export type WorkspaceEvent = z.infer<typeof workspaceEventSchema>;

/**
 * Each event is its own notification, in the order given, and its own `outbox_events` row (the
 * outbox later consumers read): all in one statement (one round trip for any number of events),
 * in the caller's transaction, so the rows and the notifications exist exactly when the change
 * that caused them commits. The events travel as one JSON parameter: a batch of new customers
 * has hundreds of events, and five parameters each cost the query builder more than the
 * statement cost Postgres.
 */
export async function notifyWorkspace(tx: TenantTx, ...events: [WorkspaceEvent, ...WorkspaceEvent[]]): Promise<void> {
  const rows = events.map((event, i) => {
    const e = workspaceEventSchema.parse(event);
    return { ord: i, tenant_id: e.tenantId, type: e.type, conversation_id: e.conversationId, message_id: e.messageId ?? null };
  });
  await tx.execute(sql`
    with e as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as e(ord int, tenant_id uuid, type text, conversation_id uuid, message_id uuid)
    ),
    ${recordEvents(sql`e`)}`);
}

/**
 * The end of a statement that records and announces the events a common table expression of
 * its own computes (`events`, with the columns ord, tenant_id, type, conversation_id and
 * message_id; null for none), in `ord` order: for a writer that derives its events from the
 * rows the same statement wrote (lib/ingest/apply/messages.ts), one round trip instead of two.
 * Follows a `with …,`; the payload is what `workspaceEventSchema` reads.
 */
export function recordEvents(events: SQL): SQL {
  return sql`
    outbox as (
      insert into outbox_events (tenant_id, type, conversation_id, message_id)
      select tenant_id, type, conversation_id, message_id from ${events} order by ord
    )
    select count(pg_notify(${eventsChannel}, payload)) from (
      select json_strip_nulls(json_build_object(
        'tenantId', tenant_id, 'type', type, 'conversationId', conversation_id, 'messageId', message_id))::text as payload
      from ${events} order by ord
    ) as ordered`;
}
