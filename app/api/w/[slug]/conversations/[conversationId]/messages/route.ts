import { z } from "zod";
import { getThread } from "@/lib/inbox/thread";
import { inboxRoute, queryOf } from "../../../inbox-route";

export const dynamic = "force-dynamic";

const query = z.object({ before: z.string().max(200).optional(), around: z.uuid().optional() });

/** A page of a thread, newest first: `before` pages back, `around` centres on a search hit. */
export async function GET(request: Request, { params }: { params: Promise<{ slug: string; conversationId: string }> }) {
  const { slug, conversationId } = await params;
  return inboxRoute(request, slug, (tx, access) => {
    if (!z.uuid().safeParse(conversationId).success) return Promise.resolve(null);
    const { before, around } = query.parse(queryOf(request));
    return getThread(tx, { tenantId: access.tenantId, conversationId, before, around });
  });
}
