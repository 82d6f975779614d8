import { withTenant } from "@/db/tenant";
import { workspaceForRoute } from "@/lib/edge/workspace-access";
import { getConversation } from "@/lib/inbox/conversations";
import { markConversationRead } from "@/lib/read-state/mark-read";
import { idParam, notFound } from "../../../outbound-responses";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; conversationId: string }> };

/**
 * The thread on screen reads its conversation (on opening, and as messages arrive while a
 * person is looking at it): unread back to zero and the read receipt to WhatsApp. Nothing
 * else reads. Another workspace's id is 404 and changes nothing.
 */
export async function POST(request: Request, { params }: Params) {
  const { slug, conversationId } = await params;
  const access = await workspaceForRoute(request, slug);
  if (access instanceof Response) return access;
  if (!idParam.safeParse(conversationId).success) return notFound();
  const found = await withTenant(access.tenantId, (tx) => getConversation(tx, { tenantId: access.tenantId, conversationId }));
  if (!found) return notFound();
  await markConversationRead({ tenantId: access.tenantId, conversationId });
  return new Response(null, { status: 204 });
}
