import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { appliedFieldEvents, conversations } from "@/db/schema";
import { marketingPreferenceOf, recordMarketingPreference } from "@/lib/contacts/marketing-preference";
import { recordBusinessAppEcho } from "@/lib/inbox/business-app-echoes";
import { log } from "@/lib/log";
import { notifyWorkspace, type WorkspaceEvent } from "@/lib/realtime/events";
import { applyTemplateQuality, applyTemplateStatus } from "@/lib/templates/status-updates";
import {
  accountAlertsValueSchema,
  accountUpdateValueSchema,
  messageEchoesValueSchema,
  numberQualityValueSchema,
  templateQualityValueSchema,
  templateStatusValueSchema,
  userPreferencesValueSchema,
} from "@/lib/whatsapp/fields";
import { applyNumberQuality, recordAccountAlert, recordAccountUpdate } from "@/lib/account-health/notices";
import { customerContact, customerConversation } from "./identity";
import type { FieldItem, IngestCtx } from "./types";

/**
 * Applies one workspace's batch of other-field items (templates, marketing preferences,
 * number quality, account notices, WhatsApp Business app echoes) inside the pipeline's
 * transaction. Each item is parsed against Meta's shape and handed to its domain's module;
 * an unreadable item throws, and the pipeline isolates it. Every write is gated (newer wins,
 * or a unique key), so the same item applied again changes nothing and notifies nobody.
 * These fields are rare beside messages and statuses, so items are applied one by one.
 */
export async function applyFieldItems(ctx: IngestCtx, items: FieldItem[]): Promise<void> {
  const events: WorkspaceEvent[] = [];
  for (const item of items) events.push(...(await applyFieldItem(ctx, item)));
  if (events.length > 0) await notifyWorkspace(ctx.tx, events[0]!, ...events.slice(1));
}

async function applyFieldItem(ctx: IngestCtx, item: FieldItem): Promise<WorkspaceEvent[]> {
  const { tx, tenantId } = ctx;
  const at = item.occurredAt;
  switch (item.field) {
    case "message_template_status_update":
      await applyTemplateStatus(tx, { tenantId, wabaId: wabaOf(item), value: templateStatusValueSchema.parse(item.value), at });
      return [];
    case "message_template_quality_update":
      await applyTemplateQuality(tx, { tenantId, wabaId: wabaOf(item), value: templateQualityValueSchema.parse(item.value), at });
      return [];
    case "phone_number_quality_update":
      await applyNumberQuality(tx, { tenantId, wabaId: item.wabaId, value: numberQualityValueSchema.parse(item.value), at });
      return [];
    case "account_update":
      await recordAccountUpdate(tx, { tenantId, wabaId: wabaOf(item), value: accountUpdateValueSchema.parse(item.value), at });
      return [];
    case "account_alerts":
      await recordAccountAlert(tx, { tenantId, wabaId: wabaOf(item), value: accountAlertsValueSchema.parse(item.value), at });
      return [];
    case "user_preferences":
      return applyUserPreference(ctx, item);
    case "smb_message_echoes":
      return applyEcho(ctx, item);
  }
}

/**
 * Whether this customer-level event is seen for the first time, recording it if so. Its
 * own checks (a newer preference wins, one row per wamid) hold for the same contact, but
 * finding the contact creates one for a number nobody has any more after a number change:
 * the same event, redelivered in other bytes, must not get that far.
 */
async function firstApplication({ tx, tenantId }: IngestCtx, item: FieldItem): Promise<boolean> {
  const eventKey = createHash("sha256").update(JSON.stringify([item.field, item.phoneNumberId, item.wabaId, item.occurredAt.toISOString(), item.value])).digest("hex");
  const rows = await tx.insert(appliedFieldEvents).values({ tenantId, eventKey }).onConflictDoNothing().returning({ eventKey: appliedFieldEvents.eventKey });
  return rows.length > 0;
}

function wabaOf(item: FieldItem): string {
  if (!item.wabaId) throw new Error(`${item.field} item ${item.itemId} has no WhatsApp Business Account id`);
  return item.wabaId;
}

async function applyUserPreference(ctx: IngestCtx, item: FieldItem): Promise<WorkspaceEvent[]> {
  const { tx, tenantId } = ctx;
  const [preference] = userPreferencesValueSchema.parse(item.value).user_preferences;
  const choice = marketingPreferenceOf(preference.value);
  if (preference.category !== "marketing_messages" || !choice) {
    // A category or value Meta has added since: nothing of ours depends on it yet.
    log.info("user_preference_ignored", { tenantId, itemId: item.itemId, category: preference.category, value: preference.value });
    return [];
  }
  if (!preference.wa_id && !preference.user_id) throw new Error(`user_preferences item ${item.itemId} names no customer`);
  if (!(await firstApplication(ctx, item))) return [];
  const contactId = await customerContact(ctx, { waId: preference.wa_id, userId: preference.user_id, at: item.occurredAt });
  const changed = await recordMarketingPreference(tx, { tenantId, contactId, preference: choice, at: item.occurredAt });
  if (!changed) return [];
  const shown = await tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.contactId, contactId)));
  return shown.map((c) => ({ tenantId, type: "conversation.updated", conversationId: c.id }));
}

async function applyEcho(ctx: IngestCtx, item: FieldItem): Promise<WorkspaceEvent[]> {
  const { tenantId } = ctx;
  const [echo] = messageEchoesValueSchema.parse(item.value).message_echoes;
  if (!item.businessNumberId) throw new Error(`smb_message_echoes item ${item.itemId} did not route to a business number`);
  if (!echo.to && !echo.to_user_id) throw new Error(`smb_message_echoes item ${item.itemId} names no recipient`);
  if (!(await firstApplication(ctx, item))) return [];
  const contactId = await customerContact(ctx, { waId: echo.to, userId: echo.to_user_id, at: item.occurredAt });
  const conversation = await customerConversation(ctx, { businessNumberId: item.businessNumberId, contactId, at: item.occurredAt });
  const messageId = await recordBusinessAppEcho(ctx.tx, { tenantId, conversationId: conversation.id, echo, sentAt: item.occurredAt });
  if (!messageId) return [];
  return [
    { tenantId, type: "message.created", conversationId: conversation.id, messageId },
    { tenantId, type: "conversation.updated", conversationId: conversation.id },
  ];
}
