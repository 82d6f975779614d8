import type { ingestItems } from "@/db/schema";
import type { IngestItem, OtherField } from "./apply/types";
import type { ItemBody } from "./split";

export type IngestItemRow = Pick<
  typeof ingestItems.$inferSelect,
  "id" | "kind" | "phoneNumberId" | "wabaId" | "businessNumberId" | "occurredAt" | "timestampSubstituted" | "body"
>;

/** An item row as the appliers' contract (apply/types.ts) describes it; throws for a row that is not one. */
export function decodeItem(row: IngestItemRow): IngestItem {
  const base = { itemId: row.id, occurredAt: row.occurredAt, timestampSubstituted: row.timestampSubstituted };
  const body = row.body as ItemBody | null;
  if (!body) throw new Error(`item ${row.id} has no body to apply`);
  if (row.kind === "message" && "message" in body) {
    // The route says this workspace owns the number; without the number itself there is
    // nowhere to put the conversation: fail, and let the retry find it later.
    if (!row.businessNumberId) throw new Error(`phone number ${row.phoneNumberId} is routed to a workspace that has no such number`);
    return { ...base, kind: "message", phoneNumberId: row.phoneNumberId!, businessNumberId: row.businessNumberId, message: body.message, profile: body.profile };
  }
  if (row.kind === "status" && "status" in body) return { ...base, kind: "status", phoneNumberId: row.phoneNumberId!, status: body.status };
  if (row.kind === "field" && "field" in body) {
    return {
      ...base,
      kind: "field",
      field: body.field as OtherField,
      wabaId: row.wabaId,
      phoneNumberId: row.phoneNumberId,
      businessNumberId: row.businessNumberId,
      value: body.value,
    };
  }
  throw new Error(`item ${row.id} of kind ${row.kind} cannot be applied`);
}
