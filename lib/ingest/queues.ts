/** The job queues of the ingest pipeline (lib/jobs). */

/** A few live jobs (payload `{ shard }`, dedupe key `split:<shard>`): split the stored deliveries waiting, in batches, into items. */
export const splitQueue = "ingest-split";

/** One live job per workspace (payload `{ workspaceId }`, dedupe key the workspace id): apply its due items. */
export const applyQueue = "ingest-apply";
