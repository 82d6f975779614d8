import { workspaceForRoute } from "@/lib/edge/workspace-access";
import { retryMessage } from "@/lib/outbound/send";
import { idParam, messageResponse, notFound, outboundErrorResponse } from "../../../outbound-responses";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; messageId: string }> };

/** Sends a failed message again, same id and body; two clicks still make one attempt. */
export async function POST(request: Request, { params }: Params) {
  const { slug, messageId } = await params;
  const access = await workspaceForRoute(request, slug);
  if (access instanceof Response) return access;
  if (!idParam.safeParse(messageId).success) return notFound();
  try {
    return messageResponse(await retryMessage(access, { messageId }));
  } catch (error) {
    return outboundErrorResponse(error);
  }
}
