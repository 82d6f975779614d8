import { and, eq, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { TenantTx } from "@/db/transactions";
import type { ActorCtx, Deps } from "@/lib/domain/context";
import { lockName, lockNames } from "@/lib/domain/locks";
import { conversations, messageTemplates, messages, type Message } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { log } from "@/lib/log";
import { statusAlreadyReported } from "@/lib/messages/reported-status";
import { notifyWorkspace } from "@/lib/realtime/events";
import { graphClient } from "@/lib/whatsapp/graph/client";
import { GraphError, metaCodes } from "@/lib/whatsapp/graph/errors";
import {
  outgoingMessageSchema,
  templateMessage,
  textLength,
  textMaxLength,
  textMessage,
  type OutgoingMessage,
} from "@/lib/whatsapp/graph/messages";
import {
  renderTemplateText,
  templateDefinitionComponentSchema,
  templateParameters,
  templateSupport,
  templateVariables,
} from "@/lib/whatsapp/graph/templates";
import { notFound } from "@/lib/domain/errors";
import { refusal } from "./errors";
import {
  deliveryErrorFromGraph,
  numberRemovedReason,
  tokenExpiredReason,
  windowClosedReason,
  type DeliveryError,
} from "./failures";
import { canRetry, stalePendingMs } from "./message-state";
import { conversationSender, flagInvalidToken, openToken, type ConversationSender, type SendingNumber } from "./sender";
import { replyWindow } from "./window";
import { typedText } from "@/lib/typed-text";

/**
 * Sending a reply or a template, exactly once per message id.
 *
 * The caller picks the message's id (a uuid) before the first attempt. Inserting it with
 * ON CONFLICT DO NOTHING is the claim: only the request whose insert created the row talks
 * to Meta, so a double click, a retried request or a reload returns the same message
 * instead of sending a second one. The Graph call happens between two short transactions,
 * never inside one.
 */

export type OutboundDeps = Pick<Deps, "graph">;

export const sendReplySchema = z.object({
  conversationId: z.uuid(),
  messageId: z.uuid(),
  text: typedText()
    .trim()
    .min(1, "Type a message first.")
    .refine((t) => textLength(t) <= textMaxLength, `A WhatsApp message can be at most ${textMaxLength} characters.`),
  /** A message of the same conversation that this one answers (WhatsApp shows it quoted). */
  replyToMessageId: z.uuid().nullish(),
});

export const sendTemplateSchema = z.object({
  conversationId: z.uuid(),
  messageId: z.uuid(),
  templateId: z.uuid(),
  /** Keyed as `templateVariables` keys them: `body.1`, `header.name`, `button.0.1`. */
  variables: z.record(z.string(), typedText().trim().max(1024, "A template value can be at most 1024 characters.")).default({}),
});

export const retryMessageSchema = z.object({ messageId: z.uuid() });

/** Validated at the edge (lib/edge): a problem there is a 422 with code `invalid`, as the composer expects. */
export type SendReplyInput = z.output<typeof sendReplySchema>;
export type SendTemplateInput = z.output<typeof sendTemplateSchema>;
export type RetryMessageInput = z.output<typeof retryMessageSchema>;

function assertCanSend(sender: ConversationSender, freeText: boolean): void {
  if (sender.number.removedAt) {
    throw refusal("number_removed", numberRemovedReason);
  }
  if (freeText) {
    const window = replyWindow(sender);
    if (!window.open) throw refusal("window_closed", windowClosedReason, window.closedAt);
  }
  if (sender.number.sealedToken && sender.number.tokenInvalidAt) throw refusal("token_invalid", tokenExpiredReason);
}

const idInUse = () =>
  refusal("id_in_use", "This message id already belongs to another message — reload the page and send again.");

/** A message already stored under this id: the earlier attempt of the same send. */
async function earlierAttempt(tx: TenantTx, messageId: string, conversationId: string): Promise<Message | null> {
  const [row] = await tx.select().from(messages).where(eq(messages.id, messageId));
  if (!row) return null;
  if (row.conversationId !== conversationId || row.direction !== "outbound") throw idInUse();
  return row;
}

export type ClaimInput = {
  tenantId: string;
  messageId: string;
  conversationId: string;
  authorUserId: string;
  type: "text" | "template";
  text: string;
  payload: OutgoingMessage;
  replyToWamid: string | null;
  /** The number has no access token: stored as `sandbox`, never sent. */
  sandbox: boolean;
};

/** Stores the outbound message under its id unless it exists; `claimed` says whether this call created it. */
export async function claimOutboundMessage(tx: TenantTx, input: ClaimInput): Promise<{ claimed: boolean; message: Message }> {
  const now = new Date();
  const [inserted] = await tx
    .insert(messages)
    .values({
      tenantId: input.tenantId,
      id: input.messageId,
      conversationId: input.conversationId,
      direction: "outbound",
      type: input.type,
      text: input.text,
      payload: input.payload,
      status: input.sandbox ? "sandbox" : "pending",
      sentAt: now,
      replyToWamid: input.replyToWamid,
      authorUserId: input.authorUserId,
    })
    .onConflictDoNothing({ target: [messages.tenantId, messages.id] })
    .returning();
  if (!inserted) {
    const current = await earlierAttempt(tx, input.messageId, input.conversationId);
    if (!current) throw idInUse();
    return { claimed: false, message: current };
  }
  await touchConversation(tx, input.tenantId, input.conversationId, now);
  await notifyWorkspace(tx, { tenantId: input.tenantId, type: "message.created", conversationId: input.conversationId, messageId: inserted.id });
  return { claimed: true, message: inserted };
}

async function touchConversation(tx: TenantTx, tenantId: string, conversationId: string, at: Date): Promise<void> {
  await tx
    .update(conversations)
    .set({ lastMessageAt: sql`greatest(${conversations.lastMessageAt}, ${at.toISOString()}::timestamptz)` })
    .where(eq(conversations.id, conversationId));
  await notifyWorkspace(tx, { tenantId, type: "conversation.updated", conversationId });
}

type MessageRef = { tenantId: string; messageId: string; conversationId: string };

/** Meta accepted the message: store its wamid. */
export async function recordSent(tx: TenantTx, input: MessageRef & { wamid: string }): Promise<Message> {
  // The status applier holds this lock while it records statuses and moves their messages
  // (lib/ingest/apply/statuses.ts): whichever of the two commits second sees the other's rows.
  await lockNames(tx, input.tenantId, [lockName.wamid(input.wamid)]);
  const { status, error } = await statusAlreadyReported(tx, input.wamid);
  const [row] = await tx
    .update(messages)
    .set({ wamid: input.wamid, status, error })
    .where(and(eq(messages.id, input.messageId), eq(messages.status, "pending")))
    .returning();
  if (row) await notifyWorkspace(tx, { tenantId: input.tenantId, type: "message.updated", conversationId: input.conversationId, messageId: row.id });
  return row ?? (await tx.select().from(messages).where(eq(messages.id, input.messageId)))[0]!;
}

/** Meta refused the message, or could not be asked: store why, in words for the thread. */
export async function recordFailure(tx: TenantTx, input: MessageRef & { error: DeliveryError }): Promise<Message> {
  const [row] = await tx
    .update(messages)
    .set({ status: "failed", error: input.error })
    .where(and(eq(messages.id, input.messageId), eq(messages.status, "pending")))
    .returning();
  if (row) await notifyWorkspace(tx, { tenantId: input.tenantId, type: "message.updated", conversationId: input.conversationId, messageId: row.id });
  return row ?? (await tx.select().from(messages).where(eq(messages.id, input.messageId)))[0]!;
}

type Prepared =
  | { claimed: false; message: Message }
  | { claimed: true; message: Message; number: SendingNumber; payload: OutgoingMessage };

/** Outside any transaction: one Graph call for a claimed message, then its outcome stored. */
async function deliver(tenantId: string, prepared: Prepared, deps: OutboundDeps): Promise<Message> {
  if (!prepared.claimed || prepared.message.status !== "pending") return prepared.message;
  const { message, payload } = prepared;
  const number = prepared.number as SendingNumber & { sealedToken: string };
  const ref = { tenantId, messageId: message.id, conversationId: message.conversationId };
  const logFields = { tenantId, messageId: message.id, conversationId: message.conversationId, numberId: number.numberId };

  const opened = openToken(number);
  if (!opened.ok) {
    return withTenant(tenantId, async (tx) => {
      await flagInvalidToken(tx, number);
      return recordFailure(tx, { ...ref, error: opened.error });
    });
  }

  let outcome: { wamid: string } | { error: GraphError };
  try {
    outcome = await (deps.graph ?? graphClient()).sendMessage({ token: opened.token, phoneNumberId: number.phoneNumberId }, payload);
  } catch (caught) {
    if (!(caught instanceof GraphError)) throw caught;
    outcome = { error: caught };
  }

  if ("wamid" in outcome) {
    log.info("message_sent", logFields);
    const { wamid } = outcome;
    return withTenant(tenantId, (tx) => recordSent(tx, { ...ref, wamid }));
  }
  const { error } = outcome;
  log.warn("message_send_failed", {
    ...logFields,
    kind: error.kind,
    httpStatus: error.httpStatus,
    code: error.code,
    fbtraceId: error.fbtraceId,
  });
  return withTenant(tenantId, async (tx) => {
    if (error.code === metaCodes.accessTokenExpired) await flagInvalidToken(tx, number);
    return recordFailure(tx, { ...ref, error: deliveryErrorFromGraph(error) });
  });
}

async function senderOf(tx: TenantTx, conversationId: string): Promise<ConversationSender> {
  const sender = await conversationSender(tx, conversationId);
  if (!sender) throw notFound("Conversation");
  return sender;
}

function claimed(result: { claimed: boolean; message: Message }, sender: ConversationSender, payload: OutgoingMessage): Prepared {
  return result.claimed ? { claimed: true, message: result.message, number: sender.number, payload } : { claimed: false, message: result.message };
}

/**
 * Sends a free-form text reply. Returns the message as stored: `sent` with its wamid,
 * `failed` with `error.reason`, `sandbox`, or `pending` when an earlier attempt with the
 * same id is still in flight. Throws an AppError: a refusal (nothing stored, nothing sent) or
 * not_found.
 */
export async function sendReply(ctx: ActorCtx, input: SendReplyInput): Promise<Message> {
  const { actor } = ctx;
  const prepared = await withTenant(actor.tenantId, async (tx): Promise<Prepared> => {
    const earlier = await earlierAttempt(tx, input.messageId, input.conversationId);
    if (earlier) return { claimed: false, message: earlier };
    const sender = await senderOf(tx, input.conversationId);
    assertCanSend(sender, true);
    let replyToWamid: string | null = null;
    if (input.replyToMessageId) {
      const [quoted] = await tx
        .select({ wamid: messages.wamid })
        .from(messages)
        .where(and(eq(messages.id, input.replyToMessageId), eq(messages.conversationId, input.conversationId)));
      if (!quoted) throw notFound("Message");
      if (!quoted.wamid) throw refusal("invalid", "That message never reached WhatsApp, so a reply cannot quote it.");
      replyToWamid = quoted.wamid;
    }
    const payload = textMessage({ to: sender.recipient, body: input.text, replyToWamid });
    const result = await claimOutboundMessage(tx, {
      tenantId: actor.tenantId,
      messageId: input.messageId,
      conversationId: input.conversationId,
      authorUserId: actor.userId,
      type: "text",
      text: input.text,
      payload,
      replyToWamid,
      sandbox: sender.number.sealedToken === null,
    });
    return claimed(result, sender, payload);
  });
  return deliver(actor.tenantId, prepared, ctx);
}

/** Sends an approved template, allowed whether or not the 24-hour window is open. */
export async function sendTemplate(ctx: ActorCtx, input: SendTemplateInput): Promise<Message> {
  const { actor } = ctx;
  const prepared = await withTenant(actor.tenantId, async (tx): Promise<Prepared> => {
    const earlier = await earlierAttempt(tx, input.messageId, input.conversationId);
    if (earlier) return { claimed: false, message: earlier };
    const sender = await senderOf(tx, input.conversationId);
    assertCanSend(sender, false);
    const [template] = await tx.select().from(messageTemplates).where(eq(messageTemplates.id, input.templateId));
    if (!template) throw notFound("Template");
    if (template.wabaId !== sender.number.wabaId) {
      throw refusal(
        "template_unavailable",
        "This template belongs to another WhatsApp Business Account than this conversation's number — pick one of its own templates.",
      );
    }
    if (template.status !== "APPROVED" || !template.syncedAt) {
      // A picker opened before Meta paused, rejected or disabled the template.
      throw refusal(
        "template_unavailable",
        `WhatsApp no longer allows this template (${template.status.toLowerCase().replace(/_/g, " ")}) — pick another one.`,
      );
    }
    const components = z.array(templateDefinitionComponentSchema).parse(template.components);
    const support = templateSupport(components);
    if (!support.sendable) throw refusal("template_unavailable", support.reason);
    for (const variable of templateVariables(components)) {
      if (!input.variables[variable.key]) throw refusal("invalid", `Fill in ${variable.label}.`);
    }
    const payload = templateMessage({
      to: sender.recipient,
      name: template.name,
      language: template.language,
      components: templateParameters(components, input.variables),
    });
    const result = await claimOutboundMessage(tx, {
      tenantId: actor.tenantId,
      messageId: input.messageId,
      conversationId: input.conversationId,
      authorUserId: actor.userId,
      type: "template",
      text: renderTemplateText(components, input.variables),
      payload,
      replyToWamid: null,
      sandbox: sender.number.sealedToken === null,
    });
    return claimed(result, sender, payload);
  });
  return deliver(actor.tenantId, prepared, ctx);
}

/**
 * Sends a failed (or orphaned pending) message again: same id, same body. Flipping it back
 * to pending is the claim, so two retry clicks still make one Graph call; a message that is
 * not retryable is returned as it is.
 */
export async function retryMessage(ctx: ActorCtx, input: RetryMessageInput): Promise<Message> {
  const { actor } = ctx;
  const prepared = await withTenant(actor.tenantId, async (tx): Promise<Prepared> => {
    const [message] = await tx.select().from(messages).where(eq(messages.id, input.messageId));
    if (!message || message.direction !== "outbound") throw notFound("Message");
    const now = new Date();
    if (!canRetry(message, now)) return { claimed: false, message };
    const payload = outgoingMessageSchema.safeParse(message.payload);
    if (!payload.success) throw refusal("not_retryable", "This message cannot be sent again — write it anew.");
    const sender = await senderOf(tx, message.conversationId);
    assertCanSend(sender, payload.data.type === "text");
    const [again] = await tx
      .update(messages)
      .set({ status: sender.number.sealedToken === null ? "sandbox" : "pending", error: null, sentAt: now })
      .where(
        and(
          eq(messages.id, message.id),
          or(
            eq(messages.status, "failed"),
            and(eq(messages.status, "pending"), lt(messages.sentAt, new Date(now.getTime() - stalePendingMs))),
          ),
        ),
      )
      .returning();
    if (!again) {
      const [current] = await tx.select().from(messages).where(eq(messages.id, message.id));
      return { claimed: false, message: current! };
    }
    await touchConversation(tx, actor.tenantId, message.conversationId, now);
    await notifyWorkspace(tx, { tenantId: actor.tenantId, type: "message.updated", conversationId: message.conversationId, messageId: message.id });
    return { claimed: true, message: again, number: sender.number, payload: payload.data };
  });
  return deliver(actor.tenantId, prepared, ctx);
}
