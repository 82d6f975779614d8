import { DeadlineExceeded, withinDeadline } from "@/lib/deadline";

export type GroupOptions = {
  /** Groups being written at once; calls beyond them wait for the next group. */
  inFlight: number;
  /** The most calls one group takes. */
  maxGroup: number;
  /**
   * How long a group may hold its place. A driver can lose a query and never settle its
   * promise (postgres.js issue #1208); past this the group's calls fail and the place is free,
   * so later calls are not held behind it for good.
   */
  deadlineMs: number;
};

type Waiting<In, Out> = { input: In; resolve: (out: Out) => void; reject: (error: unknown) => void };

/**
 * Group commit: concurrent calls share one write. A call made while fewer than `inFlight`
 * groups are being written goes at once, alone; calls made meanwhile wait and go together in
 * the next group, so an idle server adds no wait and a busy one sends one statement, one
 * round trip and one commit for many callers. `write` answers its inputs in the order given.
 * When a group fails, each of its calls is written again alone: one input that cannot be
 * written fails only its own caller. A group past its deadline fails whole: its callers have
 * given up on it by then.
 */
export function grouped<In, Out>(write: (inputs: In[]) => Promise<Out[]>, options: GroupOptions): (input: In) => Promise<Out> {
  const waiting: Waiting<In, Out>[] = [];
  let writing = 0;

  async function writeGroup(group: Waiting<In, Out>[]): Promise<void> {
    try {
      const outs = await withinDeadline(write(group.map((w) => w.input)), options.deadlineMs, "a grouped write");
      if (outs.length !== group.length) throw new Error(`a grouped write answered ${outs.length} of ${group.length} inputs`);
      group.forEach((w, i) => w.resolve(outs[i]!));
    } catch (error) {
      if (group.length === 1 || error instanceof DeadlineExceeded) group.forEach((w) => w.reject(error));
      else await Promise.all(group.map((w) => writeGroup([w])));
    }
  }

  function next(): void {
    while (writing < options.inFlight && waiting.length > 0) {
      writing++;
      void writeGroup(waiting.splice(0, options.maxGroup)).finally(() => {
        writing--;
        next();
      });
    }
  }

  return (input) =>
    new Promise<Out>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      next();
    });
}
