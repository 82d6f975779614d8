import { withTenant } from "@/db/tenant";
import { workspaceForRoute } from "@/lib/edge/workspace-access";
import { composerState } from "@/lib/outbound/composer";
import { listConversationTemplates } from "@/lib/templates/templates";
import { idParam, notFound, outboundErrorResponse } from "../../../outbound-responses";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; conversationId: string }> };

/** What the composer must know before anyone types: the 24-hour window, sandbox, blocks, templates. */
export async function GET(request: Request, { params }: Params) {
  const { slug, conversationId } = await params;
  const access = await workspaceForRoute(request, slug);
  if (access instanceof Response) return access;
  if (!idParam.safeParse(conversationId).success) return notFound();
  try {
    const { state, templates } = await withTenant(access.tenantId, async (tx) => ({
      state: await composerState(tx, { conversationId }),
      templates: await listConversationTemplates(tx, { conversationId }),
    }));
    const window = state.window.open
      ? { open: true, closesAt: state.window.closesAt.toISOString() }
      : { open: false, closedAt: state.window.closedAt?.toISOString() ?? null };
    return Response.json({ window, sandbox: state.sandbox, blockedReason: state.blockedReason, templates });
  } catch (error) {
    return outboundErrorResponse(error);
  }
}
