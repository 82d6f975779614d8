"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

/**
 * A thread on screen is read by the person looking at it: when it opens with unread
 * messages, and whenever a customer message arrives while it is open. The unread badge goes,
 * and the customer gets blue ticks. This is the only place reading happens (the page's GET
 * reads nothing, since Next prefetches pages). A hidden tab leaves it unread until the
 * person returns to it. The newest message's
 * id is part of the trigger because the count can go from 1 to 1 (read, then a new message,
 * between two refetches) and must still be read again.
 */
export function useReadWhileOpen(slug: string, conversationId: string, unreadCount: number, newestMessageId: string | null) {
  const client = useQueryClient();
  useEffect(() => {
    if (unreadCount === 0) return;
    let sent = false;
    const read = () => {
      if (sent || document.visibilityState !== "visible") return;
      sent = true;
      void fetch(`/api/w/${slug}/conversations/${conversationId}/read`, { method: "POST" })
        .then(() => client.invalidateQueries({ queryKey: ["conversations", slug] }))
        .catch(() => undefined);
    };
    read();
    document.addEventListener("visibilitychange", read);
    return () => document.removeEventListener("visibilitychange", read);
  }, [client, slug, conversationId, unreadCount, newestMessageId]);
}
