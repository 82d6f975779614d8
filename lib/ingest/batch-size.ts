import type { Lane } from "./split";

/** Below this, a batch's own statements (claim, mark done) cost more than its items. */
export const minBatch = 20;
export const maxBatch = 500;
/** The time per item assumed before any batch of a lane was measured. */
const firstGuessMs = 2;

/**
 * How many items a lane's next batch takes so that it fits `budgetMs`, from the time items
 * took in earlier batches. Per lane: a message from a new customer costs several times a
 * status, and one estimate for both sized a batch of messages by the statuses' time.
 *
 * Only batches of at least `minBatch` items teach it anything. A batch of one or two items
 * (a busy inbox's replies, arriving one at a time) takes mostly its transaction's own
 * statements, and counting that time as the items' shrank the next backlog's batches to the
 * minimum: 1,000 new customers beside a status storm were applied 20 at a time.
 */
export class BatchSizer {
  private readonly msPerItem = new Map<Lane, number>();

  constructor(private readonly budgetMs: () => number) {}

  size(lane: Lane): number {
    return Math.max(minBatch, Math.min(maxBatch, Math.floor(this.budgetMs() / (this.msPerItem.get(lane) ?? firstGuessMs))));
  }

  /** A batch of `items` of this lane took `ms`, claim to commit. */
  record(lane: Lane, items: number, ms: number): void {
    if (items < minBatch) return;
    this.msPerItem.set(lane, Math.max(0.05, 0.7 * (this.msPerItem.get(lane) ?? firstGuessMs) + 0.3 * (ms / items)));
  }
}
