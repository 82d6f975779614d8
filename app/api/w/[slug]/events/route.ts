import { workspaceForRoute } from "@/lib/auth/workspace";
import { workspaceEventResponse } from "@/lib/realtime/sse";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * The workspace's live events as Server-Sent Events. Membership is checked once, on
 * connect; the hub hands this stream only events of this workspace's tenant. A member
 * removed later keeps the stream until it drops, but each refetch it triggers is
 * authorized again and answers 404.
 */
export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const access = await workspaceForRoute(request, (await params).slug);
  if (access instanceof Response) return access;
  return workspaceEventResponse({ tenantId: access.tenantId, signal: request.signal });
}
