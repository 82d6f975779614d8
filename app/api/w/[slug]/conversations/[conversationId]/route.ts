import { workspaceRoute, uuidParams } from "@/lib/edge/route";
import { getConversation } from "@/lib/inbox/conversations";

export const dynamic = "force-dynamic";

/** One conversation as the thread's header shows it; another workspace's id is 404. */
export const GET = workspaceRoute({ params: uuidParams("conversationId") }, ({ params, inTenant }) =>
  inTenant((ctx) => getConversation(ctx, params)),
);
