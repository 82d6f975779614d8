"use client";

import { useQuery } from "@tanstack/react-query";
import { useCallback, useId, useState } from "react";
import { sandboxStatusLabel } from "@/lib/outbound/message-state";
import { textLength, textMaxLength } from "@/lib/whatsapp/graph/messages";
import { buttonClass, inputClass } from "@/components/ui/styles";
import { composerStateKey, fetchComposerState, formatWhen, sendReplyRequest, type ReplyBody } from "./api";
import { SendFailure } from "./send-failure";
import { TemplatePicker } from "./template-picker";
import { useSend } from "./use-send";

export type ReplyTarget = { messageId: string; summary: string };

type ComposerProps = {
  slug: string;
  conversationId: string;
  /** The message this reply answers (WhatsApp shows it quoted); the thread sets it. */
  replyTo?: ReplyTarget | null;
  onCancelReply?: () => void;
};

type Reply = Omit<ReplyBody, "messageId">;

const sameReply = (a: Reply, b: Reply) => a.text === b.text && (a.replyToMessageId ?? null) === (b.replyToMessageId ?? null);

/**
 * The reply box at the bottom of a thread. Enter sends, Shift+Enter starts a new line.
 * With the 24-hour window closed, free text is off and an approved template is offered.
 */
export function Composer({ slug, conversationId, replyTo = null, onCancelReply }: ComposerProps) {
  const id = useId();
  const [text, setText] = useState("");
  const state = useQuery({
    queryKey: composerStateKey(slug, conversationId),
    queryFn: () => fetchComposerState(slug, conversationId),
    // The window closes while the page is open: look again every minute.
    refetchInterval: 60_000,
  });
  const request = useCallback((messageId: string, body: Reply) => sendReplyRequest(slug, conversationId, { ...body, messageId }), [slug, conversationId]);
  const { send, retry, dismiss, pending, error, canRetry } = useSend(slug, conversationId, request);

  const length = textLength(text);
  const tooLong = length > textMaxLength;
  const composer = state.data;
  const blocked = composer?.blockedReason ?? null;
  const windowOpen = composer?.window.open ?? false;
  const canType = composer !== undefined && !blocked && windowOpen;

  async function submit() {
    const body = text.trim();
    if (!canType || pending || !body || tooLong) return;
    const result = await send({ text: body, replyToMessageId: replyTo?.messageId ?? null }, sameReply);
    if (result === "sent" || result === "stored") {
      setText("");
      onCancelReply?.();
    }
  }

  if (state.isPending) {
    return (
      <div className="border-t border-slate-200 p-4 text-sm text-slate-500 dark:border-slate-800 dark:text-slate-400" role="status">
        Loading the reply box…
      </div>
    );
  }
  if (state.isError) {
    return (
      <div className="border-t border-slate-200 p-4 dark:border-slate-800">
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {state.error.message}{" "}
          <button type="button" className={buttonClass.ghost} onClick={() => void state.refetch()}>
            Try again
          </button>
        </p>
      </div>
    );
  }

  const ready = state.data;
  const counterId = `${id}-counter`;
  const noticeId = `${id}-notice`;
  return (
    <section aria-label="Reply composer" className="space-y-3 border-t border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      {ready.sandbox ? (
        <p className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
          Sandbox number: replies are stored here and shown as “{sandboxStatusLabel}” — they are not sent to WhatsApp.
          Add the number’s access token in Settings to send for real.
        </p>
      ) : null}

      {blocked ? (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          {blocked}
        </p>
      ) : null}

      {!blocked && !ready.window.open ? (
        <p id={noticeId} className="text-sm text-slate-700 dark:text-slate-200">
          {ready.window.closedAt
            ? `The 24-hour reply window closed ${formatWhen(ready.window.closedAt)}.`
            : "The customer has not written yet, so there is no 24-hour reply window."}{" "}
          Free text is off until the customer writes again; send an approved template instead.
        </p>
      ) : null}

      <SendFailure error={error} canRetry={canRetry} pending={pending} onRetry={() => void retry()} onDismiss={dismiss} />

      {replyTo && canType ? (
        <div className="flex items-start justify-between gap-3 rounded-lg border-l-4 border-emerald-500 bg-slate-50 px-3 py-2 text-sm dark:bg-slate-800">
          <p className="min-w-0 text-slate-700 dark:text-slate-200">
            <span className="block text-xs font-medium text-emerald-700 dark:text-emerald-400">Replying to</span>
            <span className="line-clamp-2 break-words">{replyTo.summary}</span>
          </p>
          <button type="button" className={buttonClass.ghost} onClick={onCancelReply} aria-label="Cancel reply to this message">
            Cancel
          </button>
        </div>
      ) : null}

      {ready.window.open || blocked ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
          className="flex items-end gap-3"
        >
          <div className="min-w-0 flex-1">
            <label htmlFor={`${id}-text`} className="sr-only">
              Reply
            </label>
            <textarea
              id={`${id}-text`}
              name="text"
              rows={3}
              value={text}
              disabled={!canType}
              placeholder={canType ? "Write a reply — Enter sends, Shift+Enter adds a line" : undefined}
              aria-invalid={tooLong || undefined}
              aria-describedby={counterId}
              onChange={(event) => setText(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
                  event.preventDefault();
                  void submit();
                }
              }}
              className={`${inputClass} resize-y`}
            />
            <p
              id={counterId}
              aria-live={tooLong ? "polite" : "off"}
              className={`mt-1 text-right text-xs ${tooLong ? "font-medium text-red-600 dark:text-red-400" : "text-slate-500 dark:text-slate-400"}`}
            >
              {length} / {textMaxLength}
              {tooLong ? ` — ${length - textMaxLength} too many; shorten the message` : ""}
            </p>
          </div>
          <button type="submit" className={`${buttonClass.primary} mb-6`} disabled={!canType || pending || !text.trim() || tooLong} aria-busy={pending}>
            {pending ? "Sending…" : "Send"}
          </button>
        </form>
      ) : (
        <TemplatePicker
          slug={slug}
          conversationId={conversationId}
          templates={ready.templates}
          marketingOptOutSince={ready.marketingOptOutSince}
          describedBy={noticeId}
        />
      )}
    </section>
  );
}
