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
 * that caused them commits.
 */
export async function notifyWorkspace(tx: TenantTx, ...events: [WorkspaceEvent, ...WorkspaceEvent[]]): Promise<void> {
  const parsed = events.map((event) => workspaceEventSchema.parse(event));
  const rows = parsed.map((e) => sql`(${e.tenantId}::uuid, ${e.type}, ${e.conversationId}::uuid, ${e.messageId ?? null}::uuid)`);
  const notifications = parsed.map((e) => sql`pg_notify(${eventsChannel}, ${JSON.stringify(e)})`);
  await tx.execute(
    sql`with outbox as (insert into outbox_events (tenant_id, type, conversation_id, message_id) values ${sql.join(rows, sql`, `)})
        select ${sql.join(notifications, sql`, `)}`,
  );
}
