import { recordStatus } from "@/lib/inbox/ingest/statuses";
import type { IngestCtx, StatusItem } from "./types";

/** Records each status once and moves its message forward (lib/inbox/ingest/statuses.ts), at the item's time. */
export async function applyStatuses(ctx: IngestCtx, items: StatusItem[]): Promise<void> {
  for (const item of items) await recordStatus(ctx.tx, ctx.tenantId, item.status, item.occurredAt);
}
