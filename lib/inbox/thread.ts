import { and, eq, inArray, ne, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { TenantTx } from "@/db/transactions";
import type { TenantCtx } from "@/lib/domain/context";
import { conversations, messages, users, type Message } from "@/db/schema";
import { readDeliveryError } from "@/lib/messages/delivery-error";
import { previewOf } from "@/lib/messages/summary";
import { messageView, type MessageView } from "@/lib/messages/view";
import { canRetry } from "@/lib/outbound/message-state";
import { cursorSchema, encodeCursor, keysetCondition, keysetTime, newestFirst, oldestFirst, type Keyset } from "./cursor";

type Person = { id: string; name: string };
type Reaction = { emoji: string | null; sentAt: Date };
export type ThreadEventKind = "assigned" | "unassigned" | "resolved" | "reopened";

export type ThreadMessage = {
  id: string;
  direction: "inbound" | "outbound" | "event";
  type: string;
  /** As stored: the body, a caption, a button title, a location name (see ARCHITECTURE.md). */
  text: string | null;
  /** One readable line: what a quote, a preview or a screen reader says about this message. */
  summary: string;
  /** What the bubble draws, read from the payload on the server (which never leaves it). */
  view: MessageView;
  wamid: string | null;
  sentAt: Date;
  /** Outbound delivery ticks: pending, sent ✓, delivered ✓✓, read (blue ✓✓), failed. */
  status: Message["status"];
  failure: { code: number | null; reason: string } | null;
  /** A failed (or abandoned) outbound message the thread offers to send again. */
  canRetry: boolean;
  /** The member who sent an outbound message. */
  author: Person | null;
  /** Typed in the WhatsApp Business app on a coexistence number, not in Switchboard. */
  fromBusinessApp: boolean;
  /** The quoted message; `message` is null when it is not stored in this workspace. */
  replyTo: { wamid: string; message: { id: string; direction: string; type: string; summary: string } | null } | null;
  /** The newest reaction from each side; an emoji of null means it was removed. */
  reactions: { inbound: Reaction | null; outbound: Reaction | null };
  /** For `direction = 'event'` rows: what happened, who did it, to whom. */
  event: { kind: ThreadEventKind; actor: Person | null; assignee: Person | null } | null;
};

export type ThreadPage = {
  /** Newest first. */
  messages: ThreadMessage[];
  /** Pass as `before` for the next older page; null at the first message. */
  olderCursor: string | null;
  /** Pass as `after` for newer messages; null when this page reaches the newest. */
  newerCursor: string | null;
};

export const getThreadInput = z
  .object({
    conversationId: z.uuid(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    /** Messages older than this cursor (scrolling up). */
    before: cursorSchema.optional(),
    /** Messages newer than this cursor (after opening at a search hit). */
    after: cursorSchema.optional(),
    /** A page centred on this message: how a search hit opens the thread. */
    around: z.uuid().optional(),
  })
  .refine((v) => [v.before, v.after, v.around].filter(Boolean).length <= 1, {
    message: "Ask for one of before, after or around, not several.",
  });

export type GetThreadInput = z.output<typeof getThreadInput>;

const quoted = alias(messages, "quoted");

function pageRows(tx: TenantTx, tenantId: string, conversationId: string, where: SQL | undefined, order: "newest" | "oldest", limit: number) {
  const direction = order === "newest" ? newestFirst : oldestFirst;
  return tx
    .select({
      id: messages.id,
      direction: messages.direction,
      type: messages.type,
      text: messages.text,
      payload: messages.payload,
      wamid: messages.wamid,
      sentAt: messages.sentAt,
      keysetAt: keysetTime(messages.sentAt),
      status: messages.status,
      error: messages.error,
      authorUserId: messages.authorUserId,
      fromBusinessApp: messages.fromBusinessApp,
      replyToWamid: messages.replyToWamid,
      quotedId: quoted.id,
      quotedDirection: quoted.direction,
      quotedType: quoted.type,
      quotedText: quoted.text,
    })
    .from(messages)
    .leftJoin(quoted, and(eq(quoted.tenantId, messages.tenantId), eq(quoted.wamid, messages.replyToWamid)))
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.conversationId, conversationId),
        ne(messages.type, "reaction"),
        where,
      ),
    )
    .orderBy(direction(messages.sentAt), direction(messages.id))
    .limit(limit);
}

type Row = Awaited<ReturnType<typeof pageRows>>[number];

const keysetOf = (row: Row): Keyset => ({ at: row.keysetAt, id: row.id });

/**
 * A page of a conversation's thread: every message except reaction rows (each bubble
 * carries its newest reaction per side instead), with quotes, ticks and thread events.
 * Null when the conversation is not in this workspace.
 */
export async function getThread({ tx, actor }: TenantCtx, input: GetThreadInput): Promise<ThreadPage | null> {
  const { tenantId } = actor;
  const { conversationId, limit, before, after, around } = input;
  const [conversation] = await tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
  if (!conversation) return null;

  const rows = (where: SQL | undefined, order: "newest" | "oldest", n: number) =>
    pageRows(tx, tenantId, conversationId, where, order, n);
  const older = (k: Keyset, inclusive = false) =>
    inclusive
      ? sql`(${messages.sentAt}, ${messages.id}) <= (${k.at}::timestamptz, ${k.id}::uuid)`
      : keysetCondition(messages.sentAt, messages.id, k, "older");
  const newer = (k: Keyset) => keysetCondition(messages.sentAt, messages.id, k, "newer");

  let newestFirst: Row[];
  let hasOlder: boolean;
  let hasNewer: boolean;
  const anchor = around ? await anchorOf(tx, tenantId, conversationId, around) : null;

  if (after) {
    const found = await rows(newer(after), "oldest", limit + 1);
    hasNewer = found.length > limit;
    newestFirst = found.slice(0, limit).reverse();
    hasOlder = true;
  } else if (anchor) {
    const olderHalf = Math.ceil(limit / 2);
    const newerHalf = limit - olderHalf;
    const up = await rows(older(anchor, true), "newest", olderHalf + 1);
    const down = await rows(newer(anchor), "oldest", newerHalf + 1);
    hasOlder = up.length > olderHalf;
    hasNewer = down.length > newerHalf;
    newestFirst = [...down.slice(0, newerHalf).reverse(), ...up.slice(0, olderHalf)];
  } else {
    const found = await rows(before ? older(before) : undefined, "newest", limit + 1);
    hasOlder = found.length > limit;
    newestFirst = found.slice(0, limit);
    hasNewer = Boolean(before);
  }

  const first = newestFirst[0];
  const last = newestFirst.at(-1);
  return {
    messages: await decorate(tx, tenantId, conversationId, newestFirst),
    olderCursor: hasOlder && last ? encodeCursor(keysetOf(last)) : null,
    newerCursor: hasNewer && first ? encodeCursor(keysetOf(first)) : null,
  };
}

async function anchorOf(tx: TenantTx, tenantId: string, conversationId: string, messageId: string): Promise<Keyset | null> {
  const [found] = await tx
    .select({ id: messages.id, at: keysetTime(messages.sentAt) })
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.conversationId, conversationId),
        eq(messages.id, messageId),
        ne(messages.type, "reaction"),
      ),
    );
  return found ?? null;
}

const eventPayload = z.object({ actorUserId: z.uuid().optional(), assigneeUserId: z.uuid().optional() });
const eventKinds = new Set<string>(["assigned", "unassigned", "resolved", "reopened"]);

async function decorate(tx: TenantTx, tenantId: string, conversationId: string, rows: Row[]): Promise<ThreadMessage[]> {
  const wamids = rows.flatMap((r) => (r.wamid ? [r.wamid] : []));
  const reactions =
    wamids.length === 0
      ? []
      : await tx
          .selectDistinctOn([messages.replyToWamid, messages.direction], {
            wamid: messages.replyToWamid,
            direction: messages.direction,
            emoji: messages.text,
            sentAt: messages.sentAt,
          })
          .from(messages)
          .where(
            and(
              eq(messages.tenantId, tenantId),
              // A literal, so the partial index on reactions applies.
              sql`${messages.type} = 'reaction'`,
              inArray(messages.replyToWamid, wamids),
              eq(messages.conversationId, conversationId),
            ),
          )
          // Newest by WhatsApp's clock; within one second, the one we stored last.
          .orderBy(
            messages.replyToWamid,
            messages.direction,
            newestFirst(messages.sentAt),
            newestFirst(messages.receivedAt),
            newestFirst(messages.id),
          );
  const reactionOf = (wamid: string | null, direction: "inbound" | "outbound"): Reaction | null => {
    const found = reactions.find((r) => r.wamid === wamid && r.direction === direction);
    return found ? { emoji: found.emoji, sentAt: found.sentAt } : null;
  };

  const events = new Map(
    rows.flatMap((r) => {
      if (r.direction !== "event") return [];
      const parsed = eventPayload.safeParse(r.payload);
      return parsed.success ? [[r.id, parsed.data] as const] : [];
    }),
  );
  const userIds = new Set<string>();
  for (const r of rows) if (r.authorUserId) userIds.add(r.authorUserId);
  for (const e of events.values()) {
    if (e.actorUserId) userIds.add(e.actorUserId);
    if (e.assigneeUserId) userIds.add(e.assigneeUserId);
  }
  const people =
    userIds.size === 0
      ? new Map<string, Person>()
      : new Map(
          (await tx.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, [...userIds]))).map(
            (u) => [u.id, u],
          ),
        );
  const person = (id: string | null | undefined) => (id ? (people.get(id) ?? null) : null);

  const now = new Date();
  return rows.map((r) => {
    const payload = events.get(r.id);
    const event =
      r.direction === "event" && eventKinds.has(r.type)
        ? { kind: r.type as ThreadEventKind, actor: person(payload?.actorUserId), assignee: person(payload?.assigneeUserId) }
        : null;
    return {
      id: r.id,
      direction: r.direction,
      type: r.type,
      text: r.text,
      summary: event ? describeEvent(event) : previewOf(r),
      view: messageView(r),
      wamid: r.wamid,
      sentAt: r.sentAt,
      status: r.status,
      failure: r.status === "failed" ? failureOf(r.error) : null,
      canRetry: canRetry(r, now),
      author: person(r.authorUserId),
      fromBusinessApp: r.fromBusinessApp,
      replyTo: r.replyToWamid
        ? {
            wamid: r.replyToWamid,
            message:
              r.quotedId && r.quotedDirection && r.quotedType
                ? {
                    id: r.quotedId,
                    direction: r.quotedDirection,
                    type: r.quotedType,
                    summary: previewOf({ type: r.quotedType, text: r.quotedText }),
                  }
                : null,
          }
        : null,
      reactions: { inbound: reactionOf(r.wamid, "inbound"), outbound: reactionOf(r.wamid, "outbound") },
      event,
    };
  });
}

function failureOf(stored: unknown): ThreadMessage["failure"] {
  const { code, reason } = readDeliveryError(stored);
  return { code, reason };
}

function describeEvent(event: NonNullable<ThreadMessage["event"]>): string {
  const actor = event.actor?.name ?? "Someone";
  const assignee = event.assignee?.name ?? "someone";
  switch (event.kind) {
    case "assigned":
      return event.actor && event.actor.id === event.assignee?.id
        ? `${actor} took this conversation`
        : `${actor} assigned this conversation to ${assignee}`;
    case "unassigned":
      return `${actor} unassigned ${assignee}`;
    case "resolved":
      return `${actor} resolved this conversation`;
    case "reopened":
      return `${actor} reopened this conversation`;
  }
}
