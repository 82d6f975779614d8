"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import { threadKey } from "@/components/inbox/api";
import { composerStateKey, type SendOutcome } from "./api";

/**
 * One message on its way: its id is chosen before the first attempt and kept for every
 * retry, so a double click or a retried request can never send it twice. While a send is
 * in flight a second one is ignored.
 */
export type Attempt<B> = { messageId: string; body: B };

/**
 * `stored`: Meta refused it but it is in the thread, where its bubble says why and offers
 * Retry (components/composer/retry-message.tsx), so the draft can go. `not_stored`: it never
 * reached the server's database; the composer keeps it and offers Retry under the same id.
 */
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
      if (outcome.ok || outcome.message !== null) {
        setFailed(null);
        setError(null);
        return outcome.ok ? "sent" : "stored";
      }
      setFailed(attempt);
      setError(outcome.error);
      return "not_stored";
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
        return await settle(attempt, await request(attempt.messageId, attempt.body));
      } finally {
        inFlight.current = false;
        setPending(false);
      }
    },
    [request, settle],
  );

  /** Sends `body`: the failed attempt again when it is the same body, else a new message. */
  const send = useCallback(
    (body: B, same: (a: B, b: B) => boolean) => run(failed && same(failed.body, body) ? failed : { messageId: crypto.randomUUID(), body }),
    [failed, run],
  );

  const retry = useCallback(() => (failed ? run(failed) : Promise.resolve<SendResult>("busy")), [failed, run]);
  const dismiss = useCallback(() => {
    setFailed(null);
    setError(null);
  }, []);

  return { send, retry, dismiss, pending, error, canRetry: failed !== null };
}
