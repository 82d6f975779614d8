import { workspaceRoute } from "@/lib/edge/route";

export const dynamic = "force-dynamic";

/** Who the caller is in this workspace: for client code that adapts to the role. */
export const GET = workspaceRoute({}, async ({ access }) => ({ user: access.user, workspace: access.workspace, role: access.role }));
