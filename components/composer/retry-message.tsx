"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { threadKey } from "@/components/inbox/api";
import { composerStateKey, retryMessageRequest } from "./api";

/**
 * Retry on a failed message's bubble: the same message (same id and body) through the
 * retry route, which claims it, so two clicks still make one send. If Meta refuses again
 * the bubble shows the new reason; a refusal before sending (the window has closed, the
 * token is still rejected) changes nothing stored, so it is said here.
 */
export function RetryMessage({ slug, conversationId, messageId }: { slug: string; conversationId: string; messageId: string }) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function retry() {
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      const outcome = await retryMessageRequest(slug, messageId);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: threadKey(slug, conversationId) }),
        queryClient.invalidateQueries({ queryKey: composerStateKey(slug, conversationId) }),
      ]);
      if (!outcome.ok && outcome.message === null) setError(outcome.error);
    } finally {
      setPending(false);
    }
  }

  return (
    <span className="mt-1 flex flex-wrap items-center justify-end gap-2">
      <button
        type="button"
        onClick={() => void retry()}
        disabled={pending}
        aria-busy={pending}
        className="rounded-md border border-red-300 bg-white px-2 py-0.5 text-xs font-medium text-red-800 hover:bg-red-50 disabled:opacity-60 dark:border-red-800 dark:bg-slate-900 dark:text-red-200"
      >
        {pending ? "Retrying…" : "Retry"}
      </button>
      {error ? (
        <span role="alert" className="text-xs text-red-800 dark:text-red-200">
          Retry refused: {error}
        </span>
      ) : null}
    </span>
  );
}
