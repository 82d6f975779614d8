import { workspaceRoute, uuidParams } from "@/lib/edge/route";
import { messageResponse } from "@/lib/outbound/message-view";
import { sendReply, sendReplySchema } from "@/lib/outbound/send";

export const dynamic = "force-dynamic";

/**
 * Sends a text reply: `{ messageId, text, replyToMessageId? }`. The caller picks
 * `messageId` (a uuid) once per message and sends it again on a retry, so the same
 * message is never sent twice.
 */
export const POST = workspaceRoute(
  { params: uuidParams("conversationId"), body: sendReplySchema.omit({ conversationId: true }) },
  async ({ actor, params, body }) => messageResponse(await sendReply({ actor }, { ...body, conversationId: params.conversationId })),
);
