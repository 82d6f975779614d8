/** The job queues of the ingest pipeline (lib/jobs). */

/** One job per stored delivery (payload `{ deliveryId }`, dedupe key the delivery id): split it into items. */
export const splitQueue = "ingest-split";

/** One live job per workspace (payload `{ workspaceId }`, dedupe key the workspace id): apply its due items. */
export const applyQueue = "ingest-apply";
