import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { database, type DatabaseHandle } from "@/db/client";
import { log } from "@/lib/log";
import { eventsChannel, workspaceEventSchema, type WorkspaceEvent } from "./events";

export type Subscriber = {
  onEvent: (event: WorkspaceEvent) => void;
  /**
   * Events may have been missed (the LISTEN connection was re-established): refetch what
   * is on screen.
   */
  onResync?: () => void;
};

export type Unsubscribe = () => Promise<void>;

type HubOptions = {
  listen: DatabaseHandle["listen"];
  /** Sends a NOTIFY outside any transaction; used to check the LISTEN still hears. */
  notify: (payload: string) => Promise<void>;
  /** How often to check that the LISTEN connection still receives; 0 turns the check off. */
  probeIntervalMs?: number;
};

const probeSchema = z.object({ probe: z.string() });
const tenantIdSchema = z.uuid();

/**
 * One LISTEN on `switchboard_events` per process, fanned out to in-process subscribers by
 * workspace: a subscriber for workspace A is only ever handed events whose tenantId is A.
 * Payloads are validated; a bad one is logged and dropped. The LISTEN starts with the first
 * subscriber and stops with the last.
 *
 * A LISTEN connection can die quietly (postgres.js re-listens after a reconnect, but gives
 * up if the database is still down at that moment), so while anyone is subscribed the hub
 * NOTIFYs itself a probe every `probeIntervalMs`; a probe that does not come back means
 * the LISTEN is deaf, and it is re-established. Every re-establishment asks subscribers to
 * resync, since whatever was sent meanwhile is gone.
 */
export class RealtimeHub {
  readonly #options: Required<HubOptions>;
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  #listening: Promise<() => Promise<void>> | null = null;
  /** Callbacks of a superseded LISTEN carry an older generation and are ignored. */
  #generation = 0;
  #probeTimer: ReturnType<typeof setInterval> | null = null;
  #pendingProbe: string | null = null;
  #restarting = false;

  constructor(options: HubOptions) {
    this.#options = { probeIntervalMs: 30_000, ...options };
  }

  /** Resolves once the LISTEN is established, so any event committed afterwards arrives. */
  async subscribe(tenantId: string, subscriber: Subscriber): Promise<Unsubscribe> {
    const tenant = tenantIdSchema.parse(tenantId);
    // A wrapper, so the same callbacks subscribed twice are two subscriptions.
    const entry: Subscriber = { onEvent: (e) => subscriber.onEvent(e), onResync: () => subscriber.onResync?.() };
    const set = this.#subscribers.get(tenant) ?? new Set();
    set.add(entry);
    this.#subscribers.set(tenant, set);
    try {
      await this.#start();
    } catch (error) {
      await this.#remove(tenant, entry);
      throw error;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await this.#remove(tenant, entry);
    };
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.#subscribers.values()) n += set.size;
    return n;
  }

  async #remove(tenant: string, entry: Subscriber): Promise<void> {
    const set = this.#subscribers.get(tenant);
    set?.delete(entry);
    if (set?.size === 0) this.#subscribers.delete(tenant);
    if (this.subscriberCount === 0) await this.#stop();
  }

  #start(): Promise<unknown> {
    if (this.#listening) return this.#listening;
    const generation = ++this.#generation;
    let established = false;
    const listening = this.#options.listen(
      eventsChannel,
      (payload) => {
        if (generation === this.#generation) this.#dispatch(payload);
      },
      () => {
        if (generation !== this.#generation) return;
        // postgres.js calls this again after it reconnected by itself.
        if (established) this.#resyncAll("listen_reestablished");
        established = true;
      },
    );
    this.#listening = listening;
    listening.catch((error: unknown) => {
      if (this.#listening === listening) this.#listening = null;
      log.warn("realtime_listen_failed", { error });
    });
    this.#startProbing();
    return listening;
  }

  async #stop(): Promise<void> {
    const current = this.#listening;
    this.#listening = null;
    this.#generation++;
    this.#pendingProbe = null;
    if (this.#probeTimer) clearInterval(this.#probeTimer);
    this.#probeTimer = null;
    if (!current) return;
    try {
      const unlisten = await current;
      await unlisten();
    } catch (error) {
      log.warn("realtime_unlisten_failed", { error });
    }
  }

  #startProbing(): void {
    if (this.#probeTimer || this.#options.probeIntervalMs <= 0) return;
    this.#probeTimer = setInterval(() => void this.#probe(), this.#options.probeIntervalMs);
    this.#probeTimer.unref?.();
  }

  async #probe(): Promise<void> {
    if (this.#restarting || this.subscriberCount === 0) return;
    if (this.#pendingProbe !== null || !this.#listening) {
      await this.#restart();
      return;
    }
    const token = randomUUID();
    try {
      this.#pendingProbe = token;
      await this.#options.notify(JSON.stringify({ probe: token }));
    } catch (error) {
      // The database is unreachable; the next tick tries again and, once it answers, the
      // unanswered probe (or the missing LISTEN) triggers the restart.
      this.#pendingProbe = null;
      log.warn("realtime_probe_failed", { error });
    }
  }

  async #restart(): Promise<void> {
    this.#restarting = true;
    try {
      log.warn("realtime_listen_restarting");
      await this.#stop();
      if (this.subscriberCount === 0) return;
      await this.#start();
      this.#resyncAll("listen_restarted");
    } catch {
      // Logged by #start; the probe timer, started with it, tries again on its next tick.
    } finally {
      this.#restarting = false;
    }
  }

  #dispatch(payload: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      log.warn("realtime_bad_payload", { reason: "not_json", length: payload.length });
      return;
    }
    const probe = probeSchema.safeParse(parsed);
    if (probe.success) {
      // Other instances' probes pass through here too; only our own answers our question.
      if (probe.data.probe === this.#pendingProbe) this.#pendingProbe = null;
      return;
    }
    const event = workspaceEventSchema.safeParse(parsed);
    if (!event.success) {
      log.warn("realtime_bad_payload", { reason: "schema", length: payload.length });
      return;
    }
    for (const subscriber of [...(this.#subscribers.get(event.data.tenantId) ?? [])]) {
      try {
        subscriber.onEvent(event.data);
      } catch (error) {
        log.error("realtime_subscriber_failed", { error, tenantId: event.data.tenantId });
      }
    }
  }

  #resyncAll(reason: string): void {
    log.info("realtime_resync", { reason, subscribers: this.subscriberCount });
    for (const set of this.#subscribers.values()) {
      for (const subscriber of [...set]) {
        try {
          subscriber.onResync?.();
        } catch (error) {
          log.error("realtime_subscriber_failed", { error });
        }
      }
    }
  }
}

// One hub per process, kept on globalThis so dev hot reload does not open a second LISTEN.
const holder = globalThis as typeof globalThis & { __switchboardHub?: RealtimeHub };

/** The process's hub, on the process's database. */
export function realtimeHub(): RealtimeHub {
  holder.__switchboardHub ??= new RealtimeHub({
    listen: (channel, onPayload, onListen) => database().listen(channel, onPayload, onListen),
    notify: async (payload) => {
      await database().db.execute(sql`select pg_notify(${eventsChannel}, ${payload})`);
    },
  });
  return holder.__switchboardHub;
}
