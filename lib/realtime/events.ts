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
 * Each event is its own notification, in the order given; several go out in one statement
 * (one round trip), which matters to the webhook, where every message sends two.
 */
export async function notifyWorkspace(tx: TenantTx, ...events: [WorkspaceEvent, ...WorkspaceEvent[]]): Promise<void> {
  const notifications = events.map((event) => sql`pg_notify(${eventsChannel}, ${JSON.stringify(workspaceEventSchema.parse(event))})`);
  await tx.execute(sql`select ${sql.join(notifications, sql`, `)}`);
}
