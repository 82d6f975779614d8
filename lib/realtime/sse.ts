import { log } from "@/lib/log";
import type { WorkspaceEvent } from "./events";
import { realtimeHub, type RealtimeHub } from "./hub";
import { membershipWatch, type MembershipWatch } from "./membership-watch";
import { streamCap, type StreamCap } from "./stream-cap";

/** Headers for the response that carries `workspaceEventStream`. */
export const sseHeaders: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  // Proxies such as nginx would otherwise buffer the stream and delay every event.
  "x-accel-buffering": "no",
};

export type WorkspaceEventStreamOptions = {
  /** The workspace the session was authorized for; resolve it before calling. */
  tenantId: string;
  /** The request's signal: the stream ends and unsubscribes when the client goes away. */
  signal?: AbortSignal;
  /**
   * The member the stream is for: it ends once they are no longer a member (or the workspace is
   * gone), and counts against their streams on this instance (the oldest beyond the cap ends).
   */
  member?: { userId: string; watch?: MembershipWatch; cap?: StreamCap };
  hub?: RealtimeHub;
  heartbeatMs?: number;
  /** How long a browser waits before reconnecting (the `retry:` field). */
  retryMs?: number;
  /** A client this far behind is cut off; it reconnects and resyncs. */
  maxQueuedChunks?: number;
};

const encoder = new TextEncoder();

/**
 * A workspace's live events as Server-Sent Events, framework-free: the route wraps it in
 * `new Response(stream, { headers: sseHeaders })`.
 *
 * What the client sees:
 * - `retry: <ms>` first;
 * - `event: resync` once the subscription is live, and again whenever events may have
 *   been missed (the server's LISTEN was re-established): the client refetches what it
 *   shows. Catch-up is this refetch, on every (re)connect; no event log is replayed, so
 *   `Last-Event-ID` is not needed and ignored;
 * - `event: message.created | message.updated | conversation.updated` with
 *   `data: {"type","conversationId","messageId"?}`;
 * - a `: keep-alive` comment every `heartbeatMs`, so proxies keep the connection open.
 * Each event carries an `id:` that counts up within the connection. With `member`, the
 * stream ends within seconds of that user leaving the workspace (`MembershipWatch`), and the
 * user's oldest stream on this instance ends when they open more than `maxStreamsPerUser` (5).
 */
export function workspaceEventStream(options: WorkspaceEventStreamOptions): ReadableStream<Uint8Array> {
  const { tenantId, signal, heartbeatMs = 15_000, retryMs = 3_000, maxQueuedChunks = 1_000 } = options;
  const hub = options.hub ?? realtimeHub();
  let closed = false;
  let nextId = 1;
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let unsubscribe: (() => Promise<void>) | null = null;
  let unwatch: (() => void) | null = null;
  let uncount: (() => void) | null = null;
  let close: () => void = () => {};

  const cleanUp = () => {
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    signal?.removeEventListener("abort", close);
    unwatch?.();
    unwatch = null;
    uncount?.();
    uncount = null;
    const stop = unsubscribe;
    unsubscribe = null;
    void stop?.();
  };

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      close = () => {
        if (closed) return;
        cleanUp();
        try {
          controller.close();
        } catch {
          // Already closed or errored by the consumer.
        }
      };
      const write = (text: string) => {
        if (closed) return;
        if ((controller.desiredSize ?? 0) < -maxQueuedChunks) {
          log.warn("sse_client_too_slow", { tenantId });
          close();
          return;
        }
        controller.enqueue(encoder.encode(text));
      };
      const send = (event: string, data: unknown) => write(`id: ${nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

      if (signal?.aborted) return close();
      signal?.addEventListener("abort", close);
      if (options.member) {
        unwatch = (options.member.watch ?? membershipWatch()).watch({ tenantId, userId: options.member.userId }, () => close());
        uncount = (options.member.cap ?? streamCap()).admit(options.member.userId, () => {
          log.info("sse_stream_capped", { tenantId, userId: options.member!.userId });
          close();
        });
      }
      write(`retry: ${retryMs}\n\n`);
      try {
        const stop = await hub.subscribe(tenantId, {
          onEvent: (event: WorkspaceEvent) =>
            send(event.type, { type: event.type, conversationId: event.conversationId, messageId: event.messageId }),
          onResync: () => send("resync", { reason: "reconnected" }),
        });
        if (closed) return void stop();
        unsubscribe = stop;
      } catch (error) {
        // The database is unreachable: end the stream; the browser retries after `retry`.
        log.warn("sse_subscribe_failed", { tenantId, error });
        return close();
      }
      send("resync", { reason: "connected" });
      heartbeat = setInterval(() => write(": keep-alive\n\n"), heartbeatMs);
    },
    cancel() {
      cleanUp();
    },
  });
}

/** The whole answer for `GET /api/w/[slug]/events`, once the session may see `tenantId`. */
export function workspaceEventResponse(options: WorkspaceEventStreamOptions): Response {
  return new Response(workspaceEventStream(options), { headers: sseHeaders });
}
