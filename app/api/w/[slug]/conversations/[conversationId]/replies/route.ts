import { workspaceForRoute } from "@/lib/auth/workspace";
import { sendReply } from "@/lib/outbound/send";
import { idParam, jsonBody, messageResponse, notFound, outboundErrorResponse } from "../../../outbound-responses";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; conversationId: string }> };

/**
 * Sends a text reply: `{ messageId, text, replyToMessageId? }`. The caller picks
 * `messageId` (a uuid) once per message and sends it again on a retry, so the same
 * message is never sent twice.
 */
export async function POST(request: Request, { params }: Params) {
  const { slug, conversationId } = await params;
  const access = await workspaceForRoute(request, slug);
  if (access instanceof Response) return access;
  if (!idParam.safeParse(conversationId).success) return notFound();
  const body = await jsonBody(request);
  if (body instanceof Response) return body;
  try {
    const message = await sendReply(access, { ...(body as object), conversationId });
    return messageResponse(message);
  } catch (error) {
    return outboundErrorResponse(error);
  }
}
