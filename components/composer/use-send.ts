"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import { composerStateKey, retryMessageRequest, threadKey, type SendOutcome } from "./api";

/**
 * One message on its way: its id is chosen before the first attempt and kept for every
 * retry, so a double click or a retried request can never send it twice. While a send is
 * in flight a second one is ignored.
 */
export type Attempt<B> = { messageId: string; body: B; stored: boolean };

/** `stored`: Meta refused it but it is in the thread (failed), so the draft can go. */
export type SendResult = "sent" | "stored" | "not_stored" | "busy";

export function useSend<B>(slug: string, conversationId: string, request: (messageId: string, body: B) => Promise<SendOutcome>) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [failed, setFailed] = useState<Attempt<B> | null>(null);
  const inFlight = useRef(false);

  const settle = useCallback(
    async (attempt: Attempt<B>, outcome: SendOutcome): Promise<SendResult> => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: threadKey(slug, conversationId) }),
        queryClient.invalidateQueries({ queryKey: composerStateKey(slug, conversationId) }),
      ]);
      if (outcome.ok) {
        setFailed(null);
        setError(null);
        return "sent";
      }
      const stored = attempt.stored || outcome.message !== null;
      setFailed({ ...attempt, stored });
      setError(outcome.error);
      return stored ? "stored" : "not_stored";
    },
    [queryClient, slug, conversationId],
  );

  const run = useCallback(
    async (attempt: Attempt<B>): Promise<SendResult> => {
      if (inFlight.current) return "busy";
      inFlight.current = true;
      setPending(true);
      setError(null);
      try {
        // A message already stored (Meta refused it) is sent again by the retry route;
        // one never stored is posted again under the same id.
        const outcome = attempt.stored ? await retryMessageRequest(slug, attempt.messageId) : await request(attempt.messageId, attempt.body);
        return await settle(attempt, outcome);
      } finally {
        inFlight.current = false;
        setPending(false);
      }
    },
    [request, settle, slug],
  );

  /** Sends `body`: the failed attempt again when it is the same body, else a new message. */
  const send = useCallback(
    (body: B, same: (a: B, b: B) => boolean) =>
      run(failed && same(failed.body, body) ? failed : { messageId: crypto.randomUUID(), body, stored: false }),
    [failed, run],
  );

  const retry = useCallback(() => (failed ? run(failed) : Promise.resolve<SendResult>("busy")), [failed, run]);
  const dismiss = useCallback(() => {
    setFailed(null);
    setError(null);
  }, []);

  return { send, retry, dismiss, pending, error, canRetry: failed !== null };
}
