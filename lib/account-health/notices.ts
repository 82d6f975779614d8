import { createHash } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { accountNotices, businessNumbers, type AccountNotice } from "@/db/schema";
import type { AccountAlertsValue, AccountUpdateValue, NumberQualityValue } from "@/lib/whatsapp/fields";

/** Digits only: Meta writes display numbers as `15550100002`, admins may have typed `+1 555 010 0002`. */
const digits = (value: string) => value.replace(/\D/g, "");

/**
 * Records a `phone_number_quality_update` on the workspace's numbers with that display
 * number in that account (the event names the display number, not the id). The limit it
 * carries replaces the one Graph last reported; an event older than the one we hold changes
 * nothing. Returns whether a number changed.
 */
export async function applyNumberQuality(
  tx: TenantTx,
  input: { tenantId: string; wabaId: string | null; value: NumberQualityValue; at: Date },
): Promise<boolean> {
  const { value } = input;
  const rows = await tx
    .update(businessNumbers)
    .set({
      qualityEvent: value.event,
      qualityEventAt: input.at,
      ...(value.current_limit ? { messagingLimit: value.current_limit } : {}),
    })
    .where(
      and(
        eq(businessNumbers.tenantId, input.tenantId),
        input.wabaId ? eq(businessNumbers.wabaId, input.wabaId) : undefined,
        sql`regexp_replace(${businessNumbers.displayNumber}, '\\D', '', 'g') = ${digits(value.display_phone_number)}`,
        sql`(${businessNumbers.qualityEventAt} is null or ${businessNumbers.qualityEventAt} < ${input.at.toISOString()}::timestamptz)`,
      ),
    )
    .returning({ id: businessNumbers.id });
  return rows.length > 0;
}

type NoticeInput = { tenantId: string; wabaId: string; at: Date };

/** The same event twice (a redelivery, or Meta repeating itself) is one notice. */
function dedupeKey(field: string, wabaId: string, at: Date, value: unknown): string {
  return createHash("sha256").update(JSON.stringify([field, wabaId, at.toISOString(), value])).digest("hex");
}

async function insertNotice(tx: TenantTx, row: typeof accountNotices.$inferInsert): Promise<boolean> {
  const rows = await tx
    .insert(accountNotices)
    .values(row)
    .onConflictDoNothing({ target: [accountNotices.tenantId, accountNotices.dedupeKey] })
    .returning({ id: accountNotices.id });
  return rows.length > 0;
}

/** Records an `account_update` (restrictions with their expiry, violations, bans, …). */
export function recordAccountUpdate(tx: TenantTx, input: NoticeInput & { value: AccountUpdateValue }): Promise<boolean> {
  const { value } = input;
  const description =
    [value.violation_info?.violation_type, value.ban_info?.waba_ban_state].filter((p): p is string => Boolean(p)).join(" · ") || null;
  return insertNotice(tx, {
    tenantId: input.tenantId,
    wabaId: input.wabaId,
    field: "account_update",
    dedupeKey: dedupeKey("account_update", input.wabaId, input.at, value),
    kind: value.event,
    subject: value.phone_number ?? null,
    description,
    restrictions: value.restriction_info?.map((r) => ({ type: r.restriction_type, expiresAt: r.expiration?.toISOString() ?? null })) ?? null,
    payload: value,
    occurredAt: input.at,
  });
}

/** Records an `account_alerts` alert with its severity and status. */
export function recordAccountAlert(tx: TenantTx, input: NoticeInput & { value: AccountAlertsValue }): Promise<boolean> {
  const { value } = input;
  return insertNotice(tx, {
    tenantId: input.tenantId,
    wabaId: input.wabaId,
    field: "account_alerts",
    dedupeKey: dedupeKey("account_alerts", input.wabaId, input.at, value),
    kind: value.alert_info.alert_type,
    subject: value.entity_id ? `${value.entity_type ?? "entity"} ${value.entity_id}` : null,
    severity: value.alert_info.alert_severity ?? null,
    alertStatus: value.alert_info.alert_status ?? null,
    description: value.alert_info.alert_description ?? null,
    payload: value,
    occurredAt: input.at,
  });
}

export type AccountNoticeView = Omit<AccountNotice, "tenantId" | "dedupeKey" | "payload" | "receivedAt">;

/** The newest notices first, for the numbers page (admins only). */
export async function listAccountNotices(tx: TenantTx, limit = 20): Promise<AccountNoticeView[]> {
  return tx
    .select({
      id: accountNotices.id,
      wabaId: accountNotices.wabaId,
      field: accountNotices.field,
      kind: accountNotices.kind,
      subject: accountNotices.subject,
      severity: accountNotices.severity,
      alertStatus: accountNotices.alertStatus,
      description: accountNotices.description,
      restrictions: accountNotices.restrictions,
      occurredAt: accountNotices.occurredAt,
    })
    .from(accountNotices)
    .orderBy(desc(accountNotices.occurredAt), desc(accountNotices.id))
    .limit(limit);
}
