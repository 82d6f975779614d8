import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { z } from "zod";
import { contactName, filterQuery, filtersFrom } from "@/components/inbox/api";
import { ThreadView } from "@/components/inbox/thread-view";
import { withTenant } from "@/db/tenant";
import { requireWorkspace } from "@/lib/edge/workspace-access";
import { getConversation } from "@/lib/inbox/conversations";
import { getThread, getThreadInput } from "@/lib/inbox/thread";
import { toJson } from "@/lib/json";
import { listMembers } from "@/lib/workspace/members";
import { queueAction } from "../actions";
import { InboxFrame, paramsOf, type SearchParams } from "../inbox-frame";

export const metadata: Metadata = { title: "Conversation · Switchboard" };

/**
 * One conversation. Rendering it reads nothing (Next prefetches linked pages): the thread,
 * once on screen, posts its read request, which clears the unread count and sends WhatsApp
 * the read receipt. An id from another workspace finds nothing under row-level security and
 * answers 404; the id of a conversation merged into another leads to the survivor.
 */
export default async function ConversationPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; conversationId: string }>;
  searchParams: SearchParams;
}) {
  const { slug, conversationId } = await params;
  const access = await requireWorkspace(slug);
  if (!z.uuid().safeParse(conversationId).success) notFound();
  const query = await paramsOf(searchParams);
  const highlight = z.uuid().safeParse(query.get("m")).data ?? null;
  const found = await withTenant(access.tenantId, async (tx) => {
    const ctx = { tx, actor: access };
    const conversation = await getConversation(ctx, { conversationId });
    if (!conversation) return null;
    if (conversation.id !== conversationId) return { mergedInto: conversation.id } as const;
    const thread = await getThread(ctx, getThreadInput.parse({ conversationId, around: highlight ?? undefined }));
    return thread ? { conversation, thread, members: await listMembers(ctx) } : null;
  });
  if (!found) notFound();
  // The conversation was merged into another (the same customer, seen under two identities).
  if ("mergedInto" in found) {
    redirect(`/w/${slug}/inbox/${found.mergedInto}${filterQuery(filtersFrom(query), highlight ? { m: highlight } : {})}`);
  }
  const filters = filtersFrom(query);
  return (
    <InboxFrame access={access} filters={filters} selectedId={conversationId}>
      <h1 className="sr-only">Conversation with {contactName(found.conversation.contact)}</h1>
      <ThreadView
        key={`${conversationId}:${highlight ?? ""}`}
        slug={access.workspace.slug}
        conversationId={conversationId}
        initialConversation={toJson(found.conversation)}
        initialThread={toJson(found.thread)}
        highlight={highlight}
        members={found.members.map((m) => ({ userId: m.userId, name: m.name }))}
        me={access.userId}
        backHref={`/w/${access.workspace.slug}/inbox${filterQuery(filters)}`}
        queueAction={queueAction}
      />
    </InboxFrame>
  );
}
