import { parseInput, queryOf } from "@/lib/edge/input";
import { workspaceRoute, uuidParams } from "@/lib/edge/route";
import { getThread, getThreadInput } from "@/lib/inbox/thread";

export const dynamic = "force-dynamic";

/** A page of a thread, newest first: `before` pages back, `around` centres on a search hit. */
export const GET = workspaceRoute({ params: uuidParams("conversationId") }, ({ params, request, inTenant }) => {
  const { before, around } = queryOf(request);
  const input = parseInput(getThreadInput, { conversationId: params.conversationId, before, around }, "invalid");
  return inTenant((ctx) => getThread(ctx, input));
});
