"use client";

import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Fragment, useCallback, useEffect, useState, useTransition } from "react";
import { Composer, type ReplyTarget } from "@/components/composer/composer";
import { buttonClass } from "@/components/ui/styles";
import type { QueueActionInput } from "@/lib/inbox/queue-action";
import {
  contactName,
  contactNumber,
  conversationKey,
  dayLabel,
  getJson,
  messagesUrl,
  threadKey,
  type Conversation,
  type MessagesPage,
} from "./api";
import { isTyping } from "./conversation-list";
import { MarketingOptOutNote } from "./marketing-opt-out-note";
import { MessageBubble } from "./message-bubble";
import { useLoadOlderOnScroll } from "./use-load-older-on-scroll";
import { useReadWhileOpen } from "./use-read-while-open";
import { useStickToBottom } from "./use-stick-to-bottom";

type Member = { userId: string; name: string };

/** The page's server action for the queue, passed in so the component never imports from app/. */
type QueueAction = (slug: string, input: QueueActionInput) => Promise<{ changed: boolean }>;

/**
 * An open conversation: header with the queue actions, then the thread, oldest at the
 * top, with older pages loaded on demand (keyset). `highlight` is a search hit's message:
 * the first page is centred on it and it is scrolled into view.
 */
export function ThreadView({
  slug,
  conversationId,
  initialConversation,
  initialThread,
  highlight,
  members,
  me,
  backHref,
  queueAction,
}: {
  slug: string;
  conversationId: string;
  initialConversation: Conversation;
  initialThread: MessagesPage;
  highlight: string | null;
  members: Member[];
  me: string;
  backHref: string;
  queueAction: QueueAction;
}) {
  const router = useRouter();
  const conversation = useQuery({
    queryKey: conversationKey(slug, conversationId),
    queryFn: ({ signal }) => getJson<Conversation>(`/api/w/${slug}/conversations/${conversationId}`, signal),
    initialData: initialConversation,
  });
  const thread = useInfiniteQuery({
    queryKey: threadKey(slug, conversationId),
    queryFn: ({ pageParam, signal }) => getJson<MessagesPage>(messagesUrl(slug, conversationId, pageParam), signal),
    initialPageParam: (highlight ? { around: highlight } : {}) as { before?: string; around?: string },
    getNextPageParam: (last) => (last.olderCursor ? { before: last.olderCursor } : undefined),
    initialData: { pages: [initialThread], pageParams: [highlight ? { around: highlight } : {}] },
  });
  const messages = (thread.data?.pages.flatMap((p) => p.messages) ?? []).slice().reverse();
  const { fetchNextPage } = thread;
  const loadOlder = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  const { scrollerRef, sentinelRef } = useLoadOlderOnScroll({
    canLoad: thread.hasNextPage && !thread.isFetchingNextPage,
    loadOlder,
    pageCount: thread.data?.pages.length ?? 0,
  });
  const [replyTo, setReplyTo] = useState<ReplyTarget | null>(null);
  const newestId = messages.at(-1)?.id;
  const { scrollerRef: heldScrollerRef, contentRef } = useStickToBottom({ enabled: !highlight, newestId });
  // Both hooks read the one scrolling box.
  const scrollerRefs = useCallback(
    (box: HTMLDivElement | null) => {
      scrollerRef.current = box;
      heldScrollerRef.current = box;
    },
    [scrollerRef, heldScrollerRef],
  );

  useEffect(() => {
    if (highlight) document.getElementById(`m-${highlight}`)?.scrollIntoView({ block: "center" });
  }, [highlight]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !isTyping(event.target)) router.push(backHref);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [router, backHref]);

  const c = conversation.data;
  useReadWhileOpen(slug, conversationId, c.unreadCount, c.preview?.messageId ?? null);
  return (
    <section aria-label={`Conversation with ${contactName(c.contact)}`} className="flex min-h-0 flex-1 flex-col">
      <ThreadHeader slug={slug} conversation={c} members={members} me={me} backHref={backHref} queueAction={queueAction} />
      <div ref={scrollerRefs} className="min-h-0 flex-1 overflow-y-auto bg-slate-100 px-3 py-4 dark:bg-slate-950">
        <div ref={sentinelRef} />
        {thread.hasNextPage ? (
          <div className="mb-3 text-center">
            <button type="button" className={buttonClass.secondary} onClick={loadOlder} disabled={thread.isFetchingNextPage}>
              {thread.isFetchingNextPage ? "Loading…" : "Load older messages"}
            </button>
          </div>
        ) : null}
        <ol ref={contentRef} className="flex flex-col gap-3" aria-label="Messages">
          {messages.map((m, i) => {
            const day = dayLabel(m.sentAt);
            const newDay = i === 0 || dayLabel(messages[i - 1]!.sentAt) !== day;
            return (
              <Fragment key={m.id}>
                {newDay ? (
                  <li className="flex justify-center" aria-hidden="false">
                    <span className="rounded-md bg-white px-2 py-0.5 text-xs font-medium text-slate-700 shadow-sm dark:bg-slate-800 dark:text-slate-200">{day}</span>
                  </li>
                ) : null}
                <MessageBubble
                  slug={slug}
                  conversationId={conversationId}
                  message={m}
                  highlighted={m.id === highlight}
                  onReply={() => setReplyTo({ messageId: m.id, summary: m.summary })}
                />
              </Fragment>
            );
          })}
        </ol>
      </div>
      <Composer slug={slug} conversationId={conversationId} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} />
    </section>
  );
}

function ThreadHeader({
  slug,
  conversation: c,
  members,
  me,
  backHref,
  queueAction,
}: {
  slug: string;
  conversation: Conversation;
  members: Member[];
  me: string;
  backHref: string;
  queueAction: QueueAction;
}) {
  const client = useQueryClient();
  const [pending, start] = useTransition();
  const run = (input: QueueActionInput) =>
    start(async () => {
      await queueAction(slug, input);
      await Promise.all([
        client.invalidateQueries({ queryKey: ["conversations", slug] }),
        client.invalidateQueries({ queryKey: threadKey(slug, c.id) }),
      ]);
    });
  return (
    <header className="flex flex-wrap items-center gap-3 border-b border-slate-200 bg-white px-4 py-3 dark:border-slate-800 dark:bg-slate-900">
      <Link href={backHref} className={`${buttonClass.ghost} md:hidden`} aria-label="Back to conversations">
        ←
      </Link>
      <div className="min-w-0 flex-1">
        <h2 className="truncate text-lg font-semibold">{contactName(c.contact)}</h2>
        <p className="truncate text-xs text-slate-600 dark:text-slate-300">
          {contactNumber(c.contact)} · via {c.number.label} ({c.number.displayNumber}) · {c.status === "open" ? "Open" : "Resolved"} ·{" "}
          {c.assignee ? `Assigned to ${c.assignee.name}` : "Unassigned"}
        </p>
        <MarketingOptOutNote since={c.contact.marketingOptOutSince} />
      </div>
      <div className="flex flex-wrap items-center gap-2" aria-busy={pending}>
        <label className="sr-only" htmlFor="assignee">
          Assign to
        </label>
        <select
          id="assignee"
          className="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
          value={c.assignee?.id ?? ""}
          disabled={pending}
          onChange={(e) =>
            run(e.target.value ? { action: "assign", conversationId: c.id, assigneeUserId: e.target.value } : { action: "unassign", conversationId: c.id })
          }
        >
          <option value="">Unassigned</option>
          {members.map((m) => (
            <option key={m.userId} value={m.userId}>
              {m.userId === me ? `${m.name} (me)` : m.name}
            </option>
          ))}
        </select>
        {c.assignee?.id !== me ? (
          <button type="button" className={buttonClass.secondary} disabled={pending} onClick={() => run({ action: "assign-me", conversationId: c.id })}>
            Assign to me
          </button>
        ) : null}
        {c.status === "open" ? (
          <button type="button" className={buttonClass.primary} disabled={pending} onClick={() => run({ action: "resolve", conversationId: c.id })}>
            Resolve
          </button>
        ) : (
          <button type="button" className={buttonClass.secondary} disabled={pending} onClick={() => run({ action: "reopen", conversationId: c.id })}>
            Reopen
          </button>
        )}
      </div>
    </header>
  );
}
