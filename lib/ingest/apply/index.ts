import { applyFieldItems } from "./fields";
import { applyMessages } from "./messages";
import { applyStatuses } from "./statuses";
import type { FieldItem, IngestCtx, IngestItem, MessageItem, StatusItem } from "./types";

/**
 * Applies one workspace's batch, grouped by kind so that each applier works set-based on its
 * own. Throws when any item fails; the pipeline then isolates it (lib/ingest/process.ts).
 */
export async function applyItems(ctx: IngestCtx, items: IngestItem[]): Promise<void> {
  const messages: MessageItem[] = [];
  const statuses: StatusItem[] = [];
  const fields: FieldItem[] = [];
  for (const item of items) {
    if (item.kind === "message") messages.push(item);
    else if (item.kind === "status") statuses.push(item);
    else fields.push(item);
  }
  if (messages.length > 0) await applyMessages(ctx, messages);
  if (statuses.length > 0) await applyStatuses(ctx, statuses);
  if (fields.length > 0) await applyFieldItems(ctx, fields);
}
