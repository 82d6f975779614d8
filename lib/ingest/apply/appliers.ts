import { applyMessages } from "./messages";
import { applyStatuses } from "./statuses";
import type { IngestCtx, IngestItem } from "./types";

type Applier<K extends IngestItem["kind"]> = (ctx: IngestCtx, items: Extract<IngestItem, { kind: K }>[]) => Promise<void>;

/**
 * The applier for each kind of item, for the pipeline to call with one workspace's batch of
 * that kind (lib/ingest/apply/types.ts). The other fields' applier joins as `field`.
 */
export const appliers: { message: Applier<"message">; status: Applier<"status"> } = {
  message: applyMessages,
  status: applyStatuses,
};
