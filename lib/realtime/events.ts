import { sql } from "drizzle-orm";
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
    return { i, tenantId: e.tenantId, type: e.type, conversationId: e.conversationId, messageId: e.messageId ?? null, payload: JSON.stringify(e) };
  });
  await tx.execute(sql`
    with e as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as e(i int, "tenantId" uuid, type text, "conversationId" uuid, "messageId" uuid, payload text)
    ),
    outbox as (
      insert into outbox_events (tenant_id, type, conversation_id, message_id)
      select "tenantId", type, "conversationId", "messageId" from e order by i
    )
    select count(pg_notify(${eventsChannel}, payload)) from (select payload from e order by i) as ordered`);
}
