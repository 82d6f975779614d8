import { z } from "zod";
import type { Message } from "@/db/schema";
import { workspaceForRoute, type WorkspaceAccess } from "@/lib/auth/workspace";
import { cappedJson } from "@/lib/http/body";
import { readDeliveryError } from "@/lib/messages/delivery-error";
import { metaCodes } from "@/lib/whatsapp/graph/errors";
import { OutboundNotFound, OutboundRefusal, type RefusalKind } from "@/lib/outbound/errors";

/**
 * How the outbound routes answer: the message as the composer needs it, and every refusal
 * as `{ error }` in words a person can act on. Shared by the routes under app/api/w/[slug].
 */

/** What a route says about a stored outbound message: never its payload (the Graph request body). */
export type OutboundMessageView = {
  id: string;
  conversationId: string;
  status: Message["status"];
  wamid: string | null;
  text: string | null;
  sentAt: string;
  error: { reason: string; code: number | null } | null;
};

export function messageView(message: Message): OutboundMessageView {
  const error = message.error === null ? null : readDeliveryError(message.error);
  return {
    id: message.id,
    conversationId: message.conversationId,
    status: message.status,
    wamid: message.wamid,
    text: message.text,
    sentAt: message.sentAt.toISOString(),
    error: error ? { reason: error.reason, code: error.code } : null,
  };
}

/**
 * A stored message: 200 unless Meta refused it (409 for the closed window, like our own
 * refusal; 422 for Meta's other refusals) or could not be asked (502). The failed message
 * is in the body too, so the composer can offer Retry on it.
 */
export function messageResponse(message: Message): Response {
  const view = messageView(message);
  if (view.status !== "failed" || !view.error) return Response.json({ message: view });
  const status = view.error.code === metaCodes.reEngagementWindowClosed ? 409 : view.error.code !== null ? 422 : 502;
  return Response.json({ error: view.error.reason, message: view }, { status });
}

const refusalStatus: Record<RefusalKind, number> = {
  invalid: 422,
  template_unavailable: 422,
  not_retryable: 422,
  window_closed: 409,
  token_invalid: 409,
  number_removed: 409,
  id_in_use: 409,
};

/** The answer for what lib/outbound threw; anything else is rethrown (a 500, logged by Next). */
export function outboundErrorResponse(error: unknown): Response {
  if (error instanceof OutboundNotFound) return notFound();
  if (error instanceof OutboundRefusal) {
    return Response.json(
      { error: error.message, kind: error.kind, ...(error.kind === "window_closed" ? { closedAt: error.closedAt?.toISOString() ?? null } : {}) },
      { status: refusalStatus[error.kind] },
    );
  }
  throw error;
}

export const expiredMediaMessage = "This media is no longer available on WhatsApp (it is kept for about 30 days).";

export const notFound = () => Response.json({ error: "Not found." }, { status: 404 });

/** A uuid from the URL; anything else cannot name a record of this workspace. */
export const idParam = z.uuid();

/**
 * The edge every send into a conversation shares: access, a conversation id that can be
 * one, a JSON body, then `send` with that body and the conversation; refusals in words.
 */
export async function sendToConversation(
  request: Request,
  params: Promise<{ slug: string; conversationId: string }>,
  send: (access: WorkspaceAccess, input: unknown) => Promise<Message>,
): Promise<Response> {
  const { slug, conversationId } = await params;
  const access = await workspaceForRoute(request, slug);
  if (access instanceof Response) return access;
  if (!idParam.safeParse(conversationId).success) return notFound();
  const body = await cappedJson(request);
  if (body instanceof Response) return body;
  try {
    return messageResponse(await send(access, { ...(body as object), conversationId }));
  } catch (error) {
    return outboundErrorResponse(error);
  }
}
