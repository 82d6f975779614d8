import Link from "next/link";
import { filterQuery, type ListFilters } from "@/components/inbox/api";
import { ConversationList } from "@/components/inbox/conversation-list";
import { LiveUpdates } from "@/components/inbox/live-updates";
import { SearchBox } from "@/components/inbox/search-box";
import { linkClass } from "@/components/ui/styles";
import { withTenant } from "@/db/tenant";
import type { WorkspaceAccess } from "@/lib/edge/workspace-access";
import { listConversations, listConversationsInput } from "@/lib/inbox/conversations";
import { toJson } from "@/lib/json";
import { listNumbers } from "@/lib/workspace/numbers";

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The page's search params as `URLSearchParams`-like lookups (first value wins). */
export async function paramsOf(searchParams: SearchParams): Promise<{ get(name: string): string | null }> {
  const all = await searchParams;
  return { get: (name) => [all[name]].flat()[0] ?? null };
}

/**
 * The inbox's two panes: the list (first page rendered here, then live on the client)
 * beside whatever `children` is (a thread, or a hint to pick one). At phone width only
 * one pane shows: the list, or the open thread.
 */
export async function InboxFrame({
  access,
  filters,
  selectedId,
  children,
}: {
  access: WorkspaceAccess;
  filters: ListFilters;
  selectedId: string | null;
  children: React.ReactNode;
}) {
  const { firstPage, numbers, unknownNumber } = await withTenant(access.tenantId, async (tx) => {
    const numbers = await listNumbers({ tx, actor: access });
    // A hand-edited or stale link: say so instead of an empty list that looks like a quiet inbox.
    const unknownNumber = filters.number !== null && !numbers.some((n) => n.id === filters.number);
    const firstPage = unknownNumber
      ? { conversations: [], nextCursor: null }
      : await listConversations(
          { tx, actor: access },
          listConversationsInput.parse({ status: filters.status, assignee: filters.assignee, businessNumberId: filters.number ?? undefined }),
        );
    return { firstPage, numbers, unknownNumber };
  });
  const slug = access.workspace.slug;
  return (
    <div className="flex h-[calc(100dvh-9rem)] min-h-[28rem] md:h-dvh">
      <LiveUpdates slug={slug} />
      <div
        className={`min-h-0 w-full flex-col border-r border-slate-200 bg-white md:flex md:w-96 md:shrink-0 dark:border-slate-800 dark:bg-slate-900 ${selectedId ? "hidden" : "flex"}`}
      >
        <h1 className="px-4 pt-4 text-xl font-semibold tracking-tight">Inbox</h1>
        <p className="truncate px-4 text-sm text-slate-600 dark:text-slate-300">Conversations with customers of {access.workspace.name}.</p>
        <SearchBox slug={slug} />
        {unknownNumber ? (
          <p role="alert" className="mx-4 mt-2 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
            This link filters by a WhatsApp number this workspace does not have, so no conversations are shown.{" "}
            <Link href={`/w/${slug}/inbox${filterQuery({ ...filters, number: null })}`} className={linkClass}>
              Show every number
            </Link>
          </p>
        ) : null}
        <ConversationList
          slug={slug}
          initialPage={toJson(firstPage)}
          initialFilters={filters}
          numbers={numbers.filter((n) => !n.removedAt).map((n) => ({ id: n.id, label: n.label }))}
          selectedId={selectedId}
        />
      </div>
      <div className={`min-h-0 min-w-0 flex-1 flex-col md:flex ${selectedId ? "flex" : "hidden"}`}>{children}</div>
    </div>
  );
}
