import { sendReply } from "@/lib/outbound/send";
import { sendToConversation } from "../../../outbound-responses";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; conversationId: string }> };

/**
 * Sends a text reply: `{ messageId, text, replyToMessageId? }`. The caller picks
 * `messageId` (a uuid) once per message and sends it again on a retry, so the same
 * message is never sent twice.
 */
export async function POST(request: Request, { params }: Params) {
  return sendToConversation(request, params, sendReply);
}
