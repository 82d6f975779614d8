/**
 * The appliers the ingest pipeline calls, one per kind of item, each inside the pipeline's
 * transaction for one workspace's batch (the contract is in ./types.ts). The pipeline imports
 * them from here.
 */
export { applyFieldItems } from "./fields";
export type { FieldItem, IngestCtx, IngestItem, MessageItem, StatusItem } from "./types";
