import { workspaceForRoute } from "@/lib/edge/workspace-access";

export const dynamic = "force-dynamic";

/** Who the caller is in this workspace: for client code that adapts to the role. */
export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const access = await workspaceForRoute(request, (await params).slug);
  if (access instanceof Response) return access;
  return Response.json({ user: access.user, workspace: access.workspace, role: access.role });
}
