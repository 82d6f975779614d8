import { sendTemplate } from "@/lib/outbound/send";
import { sendToConversation } from "../../../outbound-responses";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; conversationId: string }> };

/** Sends an approved template: `{ messageId, templateId, variables }`, allowed with the window closed. */
export async function POST(request: Request, { params }: Params) {
  return sendToConversation(request, params, sendTemplate);
}
