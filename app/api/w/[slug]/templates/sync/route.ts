import { workspaceRoute } from "@/lib/edge/route";
import { syncTemplates } from "@/lib/templates/templates";

export const dynamic = "force-dynamic";

/** Fetches the workspace's approved templates from Meta now (admins; a periodic sync runs anyway). */
export const POST = workspaceRoute({ role: "admin" }, ({ actor }) => syncTemplates({ tenantId: actor.tenantId }));
