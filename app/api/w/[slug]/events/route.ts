import { workspaceRoute } from "@/lib/edge/route";
import { workspaceEventResponse } from "@/lib/realtime/sse";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * The workspace's live events as Server-Sent Events. Membership is checked on connect, then
 * every few seconds: the stream ends once the user is no longer a member or the workspace
 * is deleted (a role change does not matter; every member may stream). The hub hands this
 * stream only events of this workspace's tenant.
 */
export const GET = workspaceRoute({}, async ({ access, request }) =>
  workspaceEventResponse({ tenantId: access.tenantId, member: { userId: access.userId }, signal: request.signal }),
);
