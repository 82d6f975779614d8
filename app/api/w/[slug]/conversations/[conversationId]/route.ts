import { z } from "zod";
import { getConversation } from "@/lib/inbox/conversations";
import { inboxRoute } from "../../inbox-route";

export const dynamic = "force-dynamic";

/** One conversation as the thread's header shows it; another workspace's id is 404. */
export async function GET(request: Request, { params }: { params: Promise<{ slug: string; conversationId: string }> }) {
  const { slug, conversationId } = await params;
  return inboxRoute(request, slug, (tx, access) => {
    if (!z.uuid().safeParse(conversationId).success) return Promise.resolve(null);
    return getConversation(tx, { tenantId: access.tenantId, conversationId });
  });
}
