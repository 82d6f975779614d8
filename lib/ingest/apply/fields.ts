import type { FieldItem, IngestCtx } from "./types";

/** Other fields are kept as items; until they are applied, each ends quarantined with this reason. */
export async function applyFieldItems(_ctx: IngestCtx, items: FieldItem[]): Promise<void> {
  const [first] = items;
  if (first) throw new Error(`field ${first.field} is not applied yet`);
}
