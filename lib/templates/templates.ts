import { and, asc, eq, isNull, notInArray, sql } from "drizzle-orm";
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

/** The approved templates this conversation's number may send (those of its WhatsApp Business Account). */
export async function listConversationTemplates({ tx }: TenantCtx, input: { conversationId: string }): Promise<TemplateOption[]> {
  const sender = await conversationSender(tx, input.conversationId);
  if (!sender) throw notFound("Conversation");
  const rows = await tx
    .select()
    .from(messageTemplates)
    .where(eq(messageTemplates.wabaId, sender.number.wabaId))
    .orderBy(asc(messageTemplates.name), asc(messageTemplates.language));
  return rows.map(templateOption);
}

export type TemplateSyncResult = {
  /** Accounts synced: how many approved templates are kept, how many were dropped. */
  synced: { wabaId: string; kept: number; removed: number }[];
  /** Accounts Meta could not be asked about, with the reason in words. */
  failed: { wabaId: string; reason: string }[];
  /** Accounts with only sandbox numbers, or only numbers whose token was refused. */
  skipped: string[];
};

/** Replaces one account's templates with Meta's approved ones. */
export async function storeApprovedTemplates(
  tx: TenantTx,
  input: { tenantId: string; wabaId: string; templates: TemplateDefinition[] },
): Promise<{ kept: number; removed: number }> {
  const approved = input.templates.filter((t) => t.status.toUpperCase() === "APPROVED");
  const syncedAt = new Date();
  if (approved.length > 0) {
    await tx
      .insert(messageTemplates)
      .values(
        approved.map((t) => ({
          tenantId: input.tenantId,
          wabaId: input.wabaId,
          metaTemplateId: t.id,
          name: t.name,
          language: t.language,
          category: t.category,
          components: t.components,
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
        },
      });
  }
  const removed = await tx
    .delete(messageTemplates)
    .where(
      and(
        eq(messageTemplates.wabaId, input.wabaId),
        approved.length > 0 ? notInArray(messageTemplates.metaTemplateId, approved.map((t) => t.id)) : undefined,
      ),
    )
    .returning({ id: messageTemplates.id });
  return { kept: approved.length, removed: removed.length };
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
    const counts = await withTenant(tenantId, (tx) => storeApprovedTemplates(tx, { tenantId, wabaId, templates }));
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
