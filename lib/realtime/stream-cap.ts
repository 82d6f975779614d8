/**
 * How many live-event streams one user may hold open on one server instance. Each open inbox
 * tab holds one; over HTTP/1.1 a browser keeps at most 6 connections to a site, so 5 streams
 * leave a connection for the pages and API calls of those tabs. A sixth stream ends the
 * oldest, whose tab reconnects when it is used again: a user (or a stolen session) cannot pile
 * up streams, each holding a subscription, a membership watch and a timer, without bound.
 */
export const maxStreamsPerUser = 5;

/** The open streams of each user on this instance, oldest first. */
export class StreamCap {
  readonly #open = new Map<string, Array<() => void>>();

  constructor(readonly limit = maxStreamsPerUser) {}

  /** Counts a new stream of `userId`, ending their oldest ones over the limit; the answer uncounts it. */
  admit(userId: string, close: () => void): () => void {
    const streams = this.#open.get(userId) ?? [];
    const entry = () => close();
    streams.push(entry);
    this.#open.set(userId, streams);
    while (streams.length > this.limit) streams.shift()!();
    return () => {
      const at = streams.indexOf(entry);
      if (at >= 0) streams.splice(at, 1);
      if (streams.length === 0 && this.#open.get(userId) === streams) this.#open.delete(userId);
    };
  }

  openCount(userId: string): number {
    return this.#open.get(userId)?.length ?? 0;
  }
}

// One per process, on globalThis so dev hot reload keeps counting the streams already open.
const holder = globalThis as typeof globalThis & { __switchboardStreamCap?: StreamCap };

export function streamCap(): StreamCap {
  holder.__switchboardStreamCap ??= new StreamCap();
  return holder.__switchboardStreamCap;
}
