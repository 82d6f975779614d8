import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { database, type DatabaseHandle } from "@/db/client";
import { withTenant } from "@/db/tenant";
import { eventsChannel, notifyWorkspace, type WorkspaceEvent } from "@/lib/realtime/events";
import { RealtimeHub, type Subscriber } from "@/lib/realtime/hub";

/** A hub of its own on the test file's database, so tests do not share subscribers. */
export function testHub(options: { probeIntervalMs?: number; listen?: DatabaseHandle["listen"] } = {}) {
  return new RealtimeHub({
    listen: options.listen ?? ((channel, onPayload, onListen) => database().listen(channel, onPayload, onListen)),
    notify: async (payload) => {
      await database().db.execute(sql`select pg_notify(${eventsChannel}, ${payload})`);
    },
    probeIntervalMs: options.probeIntervalMs ?? 0,
  });
}

/**
 * Records what a subscriber receives. Notifications arrive in commit order, so waiting for
 * a later "barrier" event proves an earlier one was not delivered, without any timing.
 */
export function recorder() {
  const events: WorkspaceEvent[] = [];
  let resyncs = 0;
  const waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.test()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const subscriber: Subscriber = {
    onEvent: (event) => {
      events.push(event);
      check();
    },
    onResync: () => {
      resyncs++;
      check();
    },
  };
  const until = (test: () => boolean) =>
    new Promise<void>((resolve) => {
      waiters.push({ test, resolve });
      check();
    });
  return {
    subscriber,
    events,
    get resyncs() {
      return resyncs;
    },
    /** Resolves once an event for this conversation has arrived. */
    received: (conversationId: string) => until(() => events.some((e) => e.conversationId === conversationId)),
    resynced: (count = 1) => until(() => resyncs >= count),
  };
}

/** Commits an event for a fresh conversation id: once a subscriber has it, earlier events have arrived. */
export async function commitBarrier(tenantId: string): Promise<string> {
  const conversationId = randomUUID();
  await withTenant(tenantId, (tx) => notifyWorkspace(tx, { tenantId, type: "conversation.updated", conversationId }));
  return conversationId;
}

/** Reads an SSE response as text: `until(needle)` waits for it, `text` is everything so far. */
export function streamReader(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  return {
    get text() {
      return text;
    },
    until: async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}
