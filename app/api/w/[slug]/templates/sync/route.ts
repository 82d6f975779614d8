import { workspaceForRoute } from "@/lib/edge/workspace-access";
import { syncTemplates } from "@/lib/templates/templates";

export const dynamic = "force-dynamic";

/** Fetches the workspace's approved templates from Meta now (admins; a periodic sync runs anyway). */
export async function POST(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const access = await workspaceForRoute(request, (await params).slug, "admin");
  if (access instanceof Response) return access;
  return Response.json(await syncTemplates(access.tenantId));
}
