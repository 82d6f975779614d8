import { workspaceRoute, uuidParams } from "@/lib/edge/route";
import { messageResponse } from "@/lib/outbound/message-view";
import { sendTemplate, sendTemplateSchema } from "@/lib/outbound/send";

export const dynamic = "force-dynamic";

/** Sends an approved template: `{ messageId, templateId, variables }`, allowed with the window closed. */
export const POST = workspaceRoute(
  { params: uuidParams("conversationId"), body: sendTemplateSchema.omit({ conversationId: true }) },
  async ({ actor, params, body }) => messageResponse(await sendTemplate({ actor }, { ...body, conversationId: params.conversationId })),
);
