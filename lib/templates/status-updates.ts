import { sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { messageTemplates } from "@/db/schema";
import type { TemplateQualityValue, TemplateStatusValue } from "@/lib/whatsapp/fields";

/**
 * The status a template event leaves the template in; null for the events that say something
 * about the template without changing whether it can be sent (FLAGGED warns before a pause,
 * LOCKED and UNLOCKED are about editing, LIMIT_EXCEEDED is about the account's count).
 * Event values as Meta's message_template_status_update reference lists them.
 */
export function statusAfter(event: string): string | null {
  switch (event) {
    case "APPROVED":
    case "REINSTATED":
    case "UNARCHIVED":
      return "APPROVED";
    case "REJECTED":
    case "PENDING":
    case "PAUSED":
    case "DISABLED":
    case "IN_APPEAL":
    case "PENDING_DELETION":
    case "DELETED":
    case "ARCHIVED":
      return event;
    default:
      return null;
  }
}

/** Meta's words about the event, for the template list: the pause's description, the rejection's reason. */
function detailOf(value: TemplateStatusValue): string | null {
  const parts = [
    value.other_info?.description ?? value.other_info?.title,
    value.rejection_info?.reason,
    value.rejection_info?.recommendation,
    value.disable_info?.disable_date ? `Disabled on ${new Date(value.disable_info.disable_date * 1000).toISOString().slice(0, 10)}.` : undefined,
  ].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? parts.join(" ") : null;
}

/** Meta keeps a template unique by account, name and language; so does the table. */
const templateKey = [messageTemplates.tenantId, messageTemplates.wabaId, messageTemplates.name, messageTemplates.language];

/** The row's key columns from an event, for the insert when no sync has seen the template yet. */
function keyValues(
  input: { tenantId: string; wabaId: string },
  value: Pick<TemplateStatusValue, "message_template_id" | "message_template_name" | "message_template_language">,
) {
  return {
    tenantId: input.tenantId,
    wabaId: input.wabaId,
    metaTemplateId: value.message_template_id ?? "",
    name: value.message_template_name,
    language: value.message_template_language,
  };
}

/**
 * Records a `message_template_status_update` on the workspace's template (by account, name
 * and language, which Meta keeps unique), creating the row when no sync has seen the
 * template yet: it then waits for a sync to learn its components, and the sync finds the
 * status already there. An event older than the status we hold changes nothing. Returns
 * whether anything changed, so the caller notifies only then.
 */
export async function applyTemplateStatus(
  tx: TenantTx,
  input: { tenantId: string; wabaId: string; value: TemplateStatusValue; at: Date },
): Promise<boolean> {
  const { value } = input;
  const status = statusAfter(value.event.toUpperCase());
  const reason = value.reason && value.reason !== "NONE" ? value.reason : null;
  const rows = await tx
    .insert(messageTemplates)
    .values({
      ...keyValues(input, value),
      category: value.message_template_category ?? "",
      // Not sendable until a sync describes it; the status to show meanwhile.
      status: status ?? "PENDING",
      statusEvent: value.event,
      statusReason: reason,
      statusDetail: detailOf(value),
      statusAt: input.at,
    })
    .onConflictDoUpdate({
      target: templateKey,
      set: {
        status: status === null ? sql`${messageTemplates.status}` : sql`excluded.status`,
        statusEvent: sql`excluded.status_event`,
        statusReason: sql`excluded.status_reason`,
        statusDetail: sql`excluded.status_detail`,
        statusAt: sql`excluded.status_at`,
        category: sql`coalesce(nullif(excluded.category, ''), ${messageTemplates.category})`,
      },
      // Newer wins; the same event again (a redelivery) is not newer, so it changes nothing.
      setWhere: sql`${messageTemplates.statusAt} is null or ${messageTemplates.statusAt} < excluded.status_at`,
    })
    .returning({ id: messageTemplates.id });
  return rows.length > 0;
}

/** Records a `message_template_quality_update` (GREEN, YELLOW, RED, UNKNOWN); newer wins. */
export async function applyTemplateQuality(
  tx: TenantTx,
  input: { tenantId: string; wabaId: string; value: TemplateQualityValue; at: Date },
): Promise<boolean> {
  const { value } = input;
  const rows = await tx
    .insert(messageTemplates)
    .values({
      ...keyValues(input, value),
      category: "",
      status: "PENDING",
      qualityScore: value.new_quality_score,
      qualityAt: input.at,
    })
    .onConflictDoUpdate({
      target: templateKey,
      set: { qualityScore: sql`excluded.quality_score`, qualityAt: sql`excluded.quality_at` },
      setWhere: sql`${messageTemplates.qualityAt} is null or ${messageTemplates.qualityAt} < excluded.quality_at`,
    })
    .returning({ id: messageTemplates.id });
  return rows.length > 0;
}
