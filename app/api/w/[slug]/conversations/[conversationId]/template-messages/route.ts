import { workspaceForRoute } from "@/lib/auth/workspace";
import { sendTemplate } from "@/lib/outbound/send";
import { idParam, jsonBody, messageResponse, notFound, outboundErrorResponse } from "../../../outbound-responses";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; conversationId: string }> };

/** Sends an approved template: `{ messageId, templateId, variables }`, allowed with the window closed. */
export async function POST(request: Request, { params }: Params) {
  const { slug, conversationId } = await params;
  const access = await workspaceForRoute(request, slug);
  if (access instanceof Response) return access;
  if (!idParam.safeParse(conversationId).success) return notFound();
  const body = await jsonBody(request);
  if (body instanceof Response) return body;
  try {
    const message = await sendTemplate(access, { ...(body as object), conversationId });
    return messageResponse(message);
  } catch (error) {
    return outboundErrorResponse(error);
  }
}
