import { currentMemberships, type MemberKey } from "@/db/platform";
import { log } from "@/lib/log";

type WatchOptions = {
  /** The pairs that are still memberships, out of those asked about. */
  stillMembers: (pairs: MemberKey[]) => Promise<MemberKey[]>;
  intervalMs?: number;
};

const keyOf = (pair: MemberKey) => `${pair.tenantId}:${pair.userId}`;

/**
 * Who may keep a live-events stream open. Membership is checked when a stream connects; a
 * member removed later (or whose workspace is deleted) must not keep hearing the
 * workspace, and an idle workspace sends nothing that would make the client ask again. So
 * every `intervalMs` (5 s) one statement asks which watched (workspace, user) pairs are
 * still memberships, for all the process's streams at once, and the streams of any pair
 * that is gone are told to close. The role does not matter: every member may stream.
 * A failed check closes nothing and is tried again at the next tick.
 */
export class MembershipWatch {
  readonly #stillMembers: WatchOptions["stillMembers"];
  readonly #intervalMs: number;
  readonly #watched = new Map<string, { pair: MemberKey; onGone: Set<() => void> }>();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: WatchOptions) {
    this.#stillMembers = options.stillMembers;
    this.#intervalMs = options.intervalMs ?? 5_000;
  }

  /** Calls `onGone` once, at the first check that finds the membership gone; the answer stops watching. */
  watch(pair: MemberKey, onGone: () => void): () => void {
    const key = keyOf(pair);
    const entry = this.#watched.get(key) ?? { pair: { tenantId: pair.tenantId, userId: pair.userId }, onGone: new Set() };
    const callback = () => onGone();
    entry.onGone.add(callback);
    this.#watched.set(key, entry);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.check(), this.#intervalMs);
      this.#timer.unref?.();
    }
    return () => this.#forget(key, callback);
  }

  get watchedCount(): number {
    let n = 0;
    for (const entry of this.#watched.values()) n += entry.onGone.size;
    return n;
  }

  /** One round: every watched membership that no longer exists has its streams closed. */
  async check(): Promise<void> {
    // Streams that start while the statement runs were authorized after it began: not judged by it.
    const asked = [...this.#watched.entries()].map(([key, entry]) => ({ key, pair: entry.pair, callbacks: [...entry.onGone] }));
    if (asked.length === 0) return;
    let present: Set<string>;
    try {
      present = new Set((await this.#stillMembers(asked.map((a) => a.pair))).map(keyOf));
    } catch (error) {
      log.warn("membership_watch_failed", { error });
      return;
    }
    for (const { key, pair, callbacks } of asked) {
      if (present.has(key)) continue;
      const gone = callbacks.filter((callback) => this.#watched.get(key)?.onGone.has(callback));
      if (gone.length === 0) continue;
      log.info("live_stream_member_gone", { tenantId: pair.tenantId, userId: pair.userId, streams: gone.length });
      for (const callback of gone) {
        this.#forget(key, callback);
        callback();
      }
    }
  }

  #forget(key: string, callback: () => void) {
    const entry = this.#watched.get(key);
    if (!entry) return;
    entry.onGone.delete(callback);
    if (entry.onGone.size === 0) this.#watched.delete(key);
    this.#stopIfIdle();
  }

  #stopIfIdle() {
    if (this.#watched.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }
}

const holder = globalThis as typeof globalThis & { __switchboardMembershipWatch?: MembershipWatch };

/** The process's watch, on the process's database. */
export function membershipWatch(): MembershipWatch {
  holder.__switchboardMembershipWatch ??= new MembershipWatch({ stillMembers: currentMemberships });
  return holder.__switchboardMembershipWatch;
}
