import type { OutboundMessageView } from "@/lib/outbound/message-view";
import type { TemplateOption } from "@/lib/templates/templates";

/**
 * The composer's calls to the outbound routes, from the browser. Every answer that is not
 * a success carries `{ error }` in words for the person; when the message was stored
 * anyway (Meta refused it), `message` says so and a retry goes through the retry route.
 */

export type ComposerStateView = {
  window: { open: true; closesAt: string } | { open: false; closedAt: string | null };
  sandbox: boolean;
  blockedReason: string | null;
  /** ISO time the customer stopped marketing messages; null when they have not. */
  marketingOptOutSince: string | null;
  templates: TemplateOption[];
};

export type SendOutcome = { ok: true; message: OutboundMessageView } | { ok: false; error: string; message: OutboundMessageView | null };

const base = (slug: string) => `/api/w/${encodeURIComponent(slug)}`;

export const composerStateKey = (slug: string, conversationId: string) => ["composer", slug, conversationId] as const;

export async function fetchComposerState(slug: string, conversationId: string): Promise<ComposerStateView> {
  const response = await fetch(`${base(slug)}/conversations/${encodeURIComponent(conversationId)}/composer`, { cache: "no-store" });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error ?? "Could not load the reply box — reload the page.");
  return body as ComposerStateView;
}

async function post(url: string, body: unknown): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  } catch {
    return { ok: false, error: "Could not reach Switchboard — check your connection, then retry.", message: null };
  }
  const answer = (await response.json().catch(() => null)) as { error?: string; message?: OutboundMessageView } | null;
  if (response.ok && answer?.message) return { ok: true, message: answer.message };
  return {
    ok: false,
    error: answer?.error ?? `Switchboard could not send this (error ${response.status}) — retry in a moment.`,
    message: answer?.message ?? null,
  };
}

export type ReplyBody = { messageId: string; text: string; replyToMessageId?: string | null };
export type TemplateBody = { messageId: string; templateId: string; variables: Record<string, string> };

export const sendReplyRequest = (slug: string, conversationId: string, body: ReplyBody) =>
  post(`${base(slug)}/conversations/${encodeURIComponent(conversationId)}/replies`, body);

export const sendTemplateRequest = (slug: string, conversationId: string, body: TemplateBody) =>
  post(`${base(slug)}/conversations/${encodeURIComponent(conversationId)}/template-messages`, body);

export const retryMessageRequest = (slug: string, messageId: string) =>
  post(`${base(slug)}/messages/${encodeURIComponent(messageId)}/retry`, {});

/** Syncs the workspace's templates; `message` says how it went, in words. */
export async function syncTemplatesRequest(slug: string): Promise<{ ok: boolean; message: string }> {
  try {
    const response = await fetch(`${base(slug)}/templates/sync`, { method: "POST" });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      return { ok: false, message: response.status === 404 ? "Only admins can sync templates." : (body?.error ?? "The sync failed — try again.") };
    }
    const result = body as { synced: unknown[]; failed: { reason: string }[]; skipped: unknown[] };
    if (result.failed.length > 0) return { ok: false, message: `The sync failed: ${result.failed[0]!.reason}` };
    if (result.synced.length === 0 && result.skipped.length > 0) {
      return { ok: false, message: "Nothing to sync: this workspace's numbers are sandbox numbers (no access token) or their tokens expired." };
    }
    return { ok: true, message: "Templates synced from WhatsApp." };
  } catch {
    return { ok: false, message: "Could not reach Switchboard — check your connection, then try again." };
  }
}

export async function fetchRole(slug: string): Promise<string | null> {
  const response = await fetch(`${base(slug)}/me`, { cache: "no-store" });
  if (!response.ok) return null;
  return ((await response.json()) as { role?: string }).role ?? null;
}

export const formatWhen = (iso: string) => new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
