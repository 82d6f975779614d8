import { workspaceRoute, uuidParams } from "@/lib/edge/route";
import { composerState } from "@/lib/outbound/composer";
import { listConversationTemplates } from "@/lib/templates/templates";

export const dynamic = "force-dynamic";

/** What the composer must know before anyone types: the 24-hour window, sandbox, blocks, the customer's marketing opt-out, templates. */
export const GET = workspaceRoute({ params: uuidParams("conversationId") }, async ({ params, inTenant }) => {
  const { state, templates } = await inTenant(async (ctx) => ({
    state: await composerState(ctx, params),
    templates: await listConversationTemplates(ctx, params),
  }));
  const window = state.window.open
    ? { open: true, closesAt: state.window.closesAt.toISOString() }
    : { open: false, closedAt: state.window.closedAt?.toISOString() ?? null };
  return {
    window,
    sandbox: state.sandbox,
    blockedReason: state.blockedReason,
    marketingOptOutSince: state.marketingOptOutSince?.toISOString() ?? null,
    templates,
  };
});
