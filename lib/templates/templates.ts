import { and, asc, eq, isNotNull, isNull, notInArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { TenantTx } from "@/db/transactions";
import type { TenantCtx, WorkspaceCtx } from "@/lib/domain/context";
import { withPlatform, workspacesWithNumbers } from "@/db/platform";
import { businessNumbers, messageTemplates, type MessageTemplate } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { log } from "@/lib/log";
import { graphClient } from "@/lib/whatsapp/graph/client";
import { GraphError, metaCodes } from "@/lib/whatsapp/graph/errors";
import {
  renderTemplateText,
  templateDefinitionComponentSchema,
  templateSupport,
  templateVariables,
  type TemplateDefinition,
  type TemplateVariable,
} from "@/lib/whatsapp/graph/templates";
import { notFound } from "@/lib/domain/errors";
import { deliveryErrorFromGraph } from "@/lib/outbound/failures";
import type { OutboundDeps } from "@/lib/outbound/send";
import { conversationSender, flagInvalidToken, numberColumns, openToken, type SendingNumber } from "@/lib/outbound/sender";

/** A template as the composer's picker and variable form need it. */
export type TemplateOption = {
  id: string;
  name: string;
  language: string;
  category: string;
  /** Header, body and footer with the placeholders left in: `Tu pedido {{1}} va en camino.` */
  preview: string;
  /** One form field each, in order. */
  variables: TemplateVariable[];
  sendable: boolean;
  /** Why it cannot be sent from Switchboard, when it cannot. */
  unsupportedReason: string | null;
};

export function templateOption(template: MessageTemplate): TemplateOption {
  const components = z.array(templateDefinitionComponentSchema).parse(template.components);
  const support = templateSupport(components);
  return {
    id: template.id,
    name: template.name,
    language: template.language,
    category: template.category,
    preview: renderTemplateText(components, {}),
    variables: templateVariables(components),
    sendable: support.sendable,
    unsupportedReason: support.sendable ? null : support.reason,
  };
}

/**
 * What may be sent: approved by Meta as far as we last heard, and described by a sync (a
 * template only a webhook has named has no components yet). lib/outbound/send.ts refuses
 * the others by the same rule.
 */
export const sendableTemplate = and(eq(messageTemplates.status, "APPROVED"), isNotNull(messageTemplates.syncedAt));

/** The approved templates this conversation's number may send (those of its WhatsApp Business Account). */
export async function listConversationTemplates({ tx }: TenantCtx, input: { conversationId: string }): Promise<TemplateOption[]> {
  const sender = await conversationSender(tx, input.conversationId);
  if (!sender) throw notFound("Conversation");
  const rows = await tx
    .select()
    .from(messageTemplates)
    .where(and(eq(messageTemplates.wabaId, sender.number.wabaId), sendableTemplate))
    .orderBy(asc(messageTemplates.name), asc(messageTemplates.language));
  return rows.map(templateOption);
}

export type TemplateSyncResult = {
  /** Accounts synced: how many approved templates they have, how many templates Meta no longer lists were dropped. */
  synced: { wabaId: string; kept: number; removed: number }[];
  /** Accounts Meta could not be asked about, with the reason in words. */
  failed: { wabaId: string; reason: string }[];
  /** Accounts with only sandbox numbers, or only numbers whose token was refused. */
  skipped: string[];
};

/**
 * Writes one account's templates as Meta lists them, every status kept (the picker offers
 * the approved ones, the template list says why the others are not), and deletes those Meta
 * no longer lists. The sync's answer is Meta's present: a status it changes is dated now, so
 * a webhook event older than the sync can no longer overwrite it.
 */
export async function storeTemplates(
  tx: TenantTx,
  input: { tenantId: string; wabaId: string; templates: TemplateDefinition[] },
): Promise<{ kept: number; removed: number }> {
  const syncedAt = new Date();
  if (input.templates.length > 0) {
    const statusChanged = sql`${messageTemplates.status} is distinct from excluded.status`;
    await tx
      .insert(messageTemplates)
      .values(
        input.templates.map((t) => ({
          tenantId: input.tenantId,
          wabaId: input.wabaId,
          metaTemplateId: t.id,
          name: t.name,
          language: t.language,
          category: t.category,
          components: t.components,
          status: t.status.toUpperCase(),
          statusAt: syncedAt,
          syncedAt,
        })),
      )
      .onConflictDoUpdate({
        target: [messageTemplates.tenantId, messageTemplates.wabaId, messageTemplates.name, messageTemplates.language],
        set: {
          metaTemplateId: sql`excluded.meta_template_id`,
          category: sql`excluded.category`,
          components: sql`excluded.components`,
          syncedAt: sql`excluded.synced_at`,
          status: sql`excluded.status`,
          // Meta's words about a status stay while the status does; a new status has none yet.
          statusEvent: sql`case when ${statusChanged} then null else ${messageTemplates.statusEvent} end`,
          statusReason: sql`case when ${statusChanged} then null else ${messageTemplates.statusReason} end`,
          statusDetail: sql`case when ${statusChanged} then null else ${messageTemplates.statusDetail} end`,
          statusAt: sql`case when ${statusChanged} then excluded.status_at else ${messageTemplates.statusAt} end`,
        },
      });
  }
  const removed = await tx
    .delete(messageTemplates)
    .where(
      and(
        eq(messageTemplates.wabaId, input.wabaId),
        input.templates.length > 0 ? notInArray(messageTemplates.metaTemplateId, input.templates.map((t) => t.id)) : undefined,
      ),
    )
    .returning({ id: messageTemplates.id });
  return { kept: input.templates.filter((t) => t.status.toUpperCase() === "APPROVED").length, removed: removed.length };
}

/**
 * Fetches every WhatsApp Business Account's templates from Meta (with the token of one of
 * its numbers) and keeps the approved ones. One account failing does not stop the others.
 */
export async function syncTemplates(ctx: WorkspaceCtx): Promise<TemplateSyncResult> {
  const { tenantId } = ctx;
  const numbers = await withTenant(tenantId, (tx) =>
    tx.select(numberColumns).from(businessNumbers).where(isNull(businessNumbers.removedAt)).orderBy(asc(businessNumbers.createdAt)),
  );
  const accounts = new Map<string, SendingNumber[]>();
  for (const n of numbers) accounts.set(n.wabaId, [...(accounts.get(n.wabaId) ?? []), n]);

  const result: TemplateSyncResult = { synced: [], failed: [], skipped: [] };
  for (const [wabaId, members] of accounts) {
    const number = members.find((n): n is SendingNumber & { sealedToken: string } => n.sealedToken !== null && !n.tokenInvalidAt);
    if (!number) {
      result.skipped.push(wabaId);
      continue;
    }
    const opened = openToken(number);
    if (!opened.ok) {
      await withTenant(tenantId, (tx) => flagInvalidToken(tx, number));
      result.failed.push({ wabaId, reason: opened.error.reason });
      continue;
    }
    let templates: TemplateDefinition[];
    try {
      templates = await (ctx.graph ?? graphClient()).listMessageTemplates(opened.token, wabaId);
    } catch (caught) {
      if (!(caught instanceof GraphError)) throw caught;
      log.warn("templates_sync_failed", { tenantId, wabaId, kind: caught.kind, httpStatus: caught.httpStatus, code: caught.code });
      if (caught.code === metaCodes.accessTokenExpired) await withTenant(tenantId, (tx) => flagInvalidToken(tx, number));
      result.failed.push({ wabaId, reason: deliveryErrorFromGraph(caught).reason });
      continue;
    }
    const counts = await withTenant(tenantId, (tx) => storeTemplates(tx, { tenantId, wabaId, templates }));
    log.info("templates_synced", { tenantId, wabaId, ...counts });
    result.synced.push({ wabaId, ...counts });
  }
  return result;
}

/** Syncs every workspace that has numbers, one after another; a failing workspace is logged and skipped. */
export async function syncAllTemplates(deps: OutboundDeps = {}): Promise<void> {
  const tenants = await withPlatform((tx) => workspacesWithNumbers(tx));
  for (const tenantId of tenants) {
    try {
      await syncTemplates({ tenantId, ...deps });
    } catch (error) {
      log.error("templates_sync_crashed", { tenantId, error });
    }
  }
}

/** The periodic sync, run by the server's job worker (lib/server/background-jobs.ts): every six hours. */
export function templateSync(deps: OutboundDeps = {}) {
  return { name: "template-sync", everySeconds: 6 * 60 * 60, run: () => syncAllTemplates(deps) };
}

/** A template as the numbers page lists it for admins: its status, and Meta's words about why. */
export type TemplateListing = Pick<
  MessageTemplate,
  "id" | "wabaId" | "name" | "language" | "category" | "status" | "statusEvent" | "statusReason" | "statusDetail" | "statusAt" | "qualityScore" | "syncedAt"
>;

/** Every template of the workspace, whatever its status, by account then name. */
export async function listTemplatesForAdmins(tx: TenantTx): Promise<TemplateListing[]> {
  return tx
    .select({
      id: messageTemplates.id,
      wabaId: messageTemplates.wabaId,
      name: messageTemplates.name,
      language: messageTemplates.language,
      category: messageTemplates.category,
      status: messageTemplates.status,
      statusEvent: messageTemplates.statusEvent,
      statusReason: messageTemplates.statusReason,
      statusDetail: messageTemplates.statusDetail,
      statusAt: messageTemplates.statusAt,
      qualityScore: messageTemplates.qualityScore,
      syncedAt: messageTemplates.syncedAt,
    })
    .from(messageTemplates)
    .orderBy(asc(messageTemplates.wabaId), asc(messageTemplates.name), asc(messageTemplates.language));
}
