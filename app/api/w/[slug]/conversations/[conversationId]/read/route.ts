import { workspaceRoute, uuidParams } from "@/lib/edge/route";
import { getConversation } from "@/lib/inbox/conversations";
import { markConversationRead } from "@/lib/read-state/mark-read";

export const dynamic = "force-dynamic";

/**
 * The thread on screen reads its conversation (on opening, and as messages arrive while a
 * person is looking at it): unread back to zero and the read receipt to WhatsApp. Nothing
 * else reads. Another workspace's id is 404 and changes nothing.
 */
export const POST = workspaceRoute({ params: uuidParams("conversationId") }, async ({ actor, params, inTenant }) => {
  const found = await inTenant((ctx) => getConversation(ctx, params));
  if (!found) return null;
  await markConversationRead({ actor }, params);
  return new Response(null, { status: 204 });
});
