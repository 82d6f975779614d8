"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { z } from "zod";

const eventData = z.object({ conversationId: z.uuid() });

/**
 * Keeps every inbox query of this workspace fresh from `/api/w/[slug]/events`. An event
 * refetches the list and that conversation's thread; `resync` (sent on every connect and
 * reconnect, see lib/realtime/sse.ts) refetches everything, which is the catch-up for
 * whatever happened while disconnected.
 */
export function LiveUpdates({ slug }: { slug: string }) {
  const client = useQueryClient();
  const [connected, setConnected] = useState<boolean | null>(null);
  useEffect(() => {
    const source = new EventSource(`/api/w/${slug}/events`);
    const refreshAll = () => {
      setConnected(true);
      void client.invalidateQueries({ queryKey: ["conversations", slug] });
      void client.invalidateQueries({ queryKey: ["thread", slug] });
    };
    const onChange = (event: MessageEvent<string>) => {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return;
      }
      const data = eventData.safeParse(parsed);
      if (!data.success) return;
      void client.invalidateQueries({ queryKey: ["conversations", slug] });
      void client.invalidateQueries({ queryKey: ["thread", slug, data.data.conversationId] });
      // The composer too: a marketing opt-out changes what the template picker says.
      void client.invalidateQueries({ queryKey: ["composer", slug, data.data.conversationId] });
    };
    source.addEventListener("resync", refreshAll);
    for (const type of ["message.created", "message.updated", "conversation.updated"]) source.addEventListener(type, onChange);
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, [client, slug]);
  return (
    <p role="status" className="sr-only" data-live={connected === null ? "connecting" : connected ? "connected" : "reconnecting"}>
      {connected === false ? "Live updates interrupted; reconnecting." : ""}
    </p>
  );
}
