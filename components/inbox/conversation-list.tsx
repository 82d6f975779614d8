"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";
import { buttonClass } from "@/components/ui/styles";
import {
  contactName,
  contactNumber,
  conversationsKey,
  conversationsUrl,
  filterQuery,
  filtersFrom,
  getJson,
  shortTime,
  type Conversation,
  type ConversationsPage,
  type ListFilters,
} from "./api";

type NumberOption = { id: string; label: string };

/**
 * The conversation list: the server rendered its first page, TanStack Query keeps it
 * live (LiveUpdates invalidates it) and pages on with the keyset cursor. `j`/`k` move the
 * focus through it, Enter opens (it is a link), `Esc` in a thread comes back here.
 */
export function ConversationList({
  slug,
  initialPage,
  initialFilters,
  numbers,
  selectedId,
}: {
  slug: string;
  initialPage: ConversationsPage;
  initialFilters: ListFilters;
  numbers: NumberOption[];
  selectedId: string | null;
}) {
  const params = useSearchParams();
  const filters = filtersFrom(params);
  const sameAsServer = JSON.stringify(filters) === JSON.stringify(initialFilters);
  const query = useInfiniteQuery({
    queryKey: conversationsKey(slug, filters),
    queryFn: ({ pageParam, signal }) => getJson<ConversationsPage>(conversationsUrl(slug, filters, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    initialData: sameAsServer ? { pages: [initialPage], pageParams: [null] } : undefined,
  });
  const conversations = query.data?.pages.flatMap((p) => p.conversations) ?? [];
  const listRef = useRef<HTMLUListElement>(null);
  useListKeys(listRef);

  return (
    <section aria-label="Conversations" className="flex min-h-0 flex-1 flex-col">
      <Filters slug={slug} filters={filters} numbers={numbers} />
      {query.isError ? (
        <p role="alert" className="m-4 rounded-lg bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {query.error.message}
        </p>
      ) : null}
      {conversations.length === 0 && !query.isPending ? (
        <div className="p-6 text-center text-sm text-slate-600 dark:text-slate-300">
          <h2 className="text-base font-semibold text-slate-900 dark:text-slate-100">
            {JSON.stringify(filters) === JSON.stringify(filtersFrom({ get: () => null })) ? "No conversations yet" : "No conversations match these filters"}
          </h2>
          <p className="mt-1">When customers message this workspace&apos;s WhatsApp numbers, their conversations appear here, live.</p>
        </div>
      ) : null}
      <ul ref={listRef} className="min-h-0 flex-1 divide-y divide-slate-200 overflow-y-auto dark:divide-slate-800" data-testid="conversation-list">
        {conversations.map((c) => (
          <li key={c.id}>
            <ConversationRow slug={slug} conversation={c} filters={filters} selected={c.id === selectedId} />
          </li>
        ))}
      </ul>
      {query.hasNextPage ? (
        <div className="border-t border-slate-200 p-3 text-center dark:border-slate-800">
          <button type="button" className={buttonClass.secondary} onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      ) : null}
    </section>
  );
}

function ConversationRow({ slug, conversation: c, filters, selected }: { slug: string; conversation: Conversation; filters: ListFilters; selected: boolean }) {
  const name = contactName(c.contact);
  const unread = c.unreadCount > 0;
  return (
    <Link
      href={`/w/${slug}/inbox/${c.id}${filterQuery(filters)}`}
      data-conversation-row
      aria-current={selected ? "page" : undefined}
      className={`block px-4 py-3 outline-none hover:bg-slate-100 focus-visible:bg-emerald-50 focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-emerald-600 dark:hover:bg-slate-800 dark:focus-visible:bg-emerald-950 ${selected ? "bg-emerald-50 dark:bg-emerald-950/60" : ""}`}
    >
      <div className="flex items-baseline justify-between gap-2">
        <span className={`truncate ${unread ? "font-semibold" : "font-medium"}`}>{name}</span>
        <time dateTime={c.lastMessageAt} className="shrink-0 text-xs text-slate-600 dark:text-slate-300">
          {shortTime(c.lastMessageAt)}
        </time>
      </div>
      <div className="flex items-center justify-between gap-2">
        <p className="truncate text-sm text-slate-600 dark:text-slate-300">
          {c.preview ? `${c.preview.direction === "outbound" ? "You: " : ""}${c.preview.summary}` : "No messages yet"}
        </p>
        {unread ? (
          <span className="shrink-0 rounded-full bg-emerald-700 px-2 py-0.5 text-xs font-semibold text-white" data-testid="unread-badge">
            {c.unreadCount}
            <span className="sr-only"> unread</span>
          </span>
        ) : null}
      </div>
      <div className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600 dark:text-slate-300">
        {c.contact.name ? <span>{contactNumber(c.contact)}</span> : null}
        <span aria-label={`Business number ${c.number.label}`}>→ {c.number.label}</span>
        <span className={c.status === "open" ? "text-emerald-800 dark:text-emerald-300" : ""}>{c.status === "open" ? "Open" : "Resolved"}</span>
        <span>{c.assignee ? `Assigned to ${c.assignee.name}` : "Unassigned"}</span>
      </div>
    </Link>
  );
}

function Filters({ slug, filters, numbers }: { slug: string; filters: ListFilters; numbers: NumberOption[] }) {
  const router = useRouter();
  const tab = (label: string, next: Partial<ListFilters>) => {
    const merged = { ...filters, ...next };
    const active = JSON.stringify(merged) === JSON.stringify(filters);
    return (
      <Link
        href={`/w/${slug}/inbox${filterQuery(merged)}`}
        aria-current={active ? "true" : undefined}
        className={`rounded-md px-2.5 py-1 text-sm font-medium ${active ? "bg-emerald-700 text-white" : "text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800"}`}
      >
        {label}
      </Link>
    );
  };
  return (
    <div className="flex flex-col gap-2 border-b border-slate-200 p-3 dark:border-slate-800">
      <nav aria-label="Status" className="flex gap-1">
        {tab("Open", { status: "open" })}
        {tab("Resolved", { status: "resolved" })}
      </nav>
      <nav aria-label="Assignee" className="flex gap-1">
        {tab("All", { assignee: "all" })}
        {tab("Mine", { assignee: "mine" })}
        {tab("Unassigned", { assignee: "unassigned" })}
      </nav>
      {numbers.length > 1 ? (
        <label className="flex items-center gap-2 text-sm">
          <span className="text-slate-700 dark:text-slate-200">Number</span>
          <select
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
            value={filters.number ?? ""}
            onChange={(e) => router.push(`/w/${slug}/inbox${filterQuery({ ...filters, number: e.target.value || null })}`)}
          >
            <option value="">All numbers</option>
            {numbers.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </div>
  );
}

/** j / k move the focus between conversation rows (not while typing). */
function useListKeys(listRef: React.RefObject<HTMLUListElement | null>) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "j" && event.key !== "k") return;
      if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target)) return;
      const rows = [...(listRef.current?.querySelectorAll<HTMLAnchorElement>("[data-conversation-row]") ?? [])];
      if (rows.length === 0) return;
      event.preventDefault();
      const active = document.activeElement as HTMLElement | null;
      let index = rows.findIndex((r) => r === active);
      if (index === -1) index = rows.findIndex((r) => r.getAttribute("aria-current") === "page");
      const next = index === -1 ? 0 : Math.min(rows.length - 1, Math.max(0, index + (event.key === "j" ? 1 : -1)));
      rows[next]?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [listRef]);
}

export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}
