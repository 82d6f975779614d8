import { workspaceRoute, uuidParams } from "@/lib/edge/route";
import { messageResponse } from "@/lib/outbound/message-view";
import { retryMessage } from "@/lib/outbound/send";

export const dynamic = "force-dynamic";

/** Sends a failed message again, same id and body; two clicks still make one attempt. */
export const POST = workspaceRoute({ params: uuidParams("messageId") }, async ({ actor, params }) =>
  messageResponse(await retryMessage({ actor }, params)),
);
