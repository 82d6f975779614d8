/**
 * Meta's deliveries are answered before anything is processed: while several are being stored,
 * splitting and applying wait a moment. The job thread (lib/server/jobs-thread.ts) shares the
 * request thread's count, so it also yields to answers it cannot see.
 *
 * Measured (docs/PERFORMANCE.md, "a thread for the jobs"): with the jobs on a thread of their
 * own, 32 concurrent deliveries were answered at 0.35–0.42× the floor's rate, because the
 * processor took each delivery as it came, in batches of a few items, and its CPU and its
 * Postgres work took the cores the answers needed. Letting answers go first, 0.47–0.53×.
 */

/** Deliveries being stored at once from which processing waits. */
export const busyAnswers = 4;
/** How long processing waits at most before each batch, however many answers keep coming. */
export const maxWaitMs = 50;
const pollMs = 5;

const holder = globalThis as typeof globalThis & { __switchboardAnswersInFlight?: Int32Array };

/** The count of deliveries being stored in this process, in memory the job thread can share. */
export function answersInFlight(): Int32Array {
  holder.__switchboardAnswersInFlight ??= new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  return holder.__switchboardAnswersInFlight;
}

/** On the job thread: count with the request thread's counter (passed in its start-up data). */
export function shareAnswersInFlight(counter: Int32Array): void {
  holder.__switchboardAnswersInFlight = counter;
}

/** Counts `storing` as an answer in flight until it settles. */
export async function countAnswer<T>(storing: Promise<T>): Promise<T> {
  const counter = answersInFlight();
  Atomics.add(counter, 0, 1);
  try {
    return await storing;
  } finally {
    Atomics.sub(counter, 0, 1);
  }
}

/** Resolves once fewer than `busyAnswers` deliveries are being stored, or after `maxWaitMs`. */
export async function letAnswersGoFirst(): Promise<void> {
  const counter = answersInFlight();
  const until = performance.now() + maxWaitMs;
  while (Atomics.load(counter, 0) >= busyAnswers && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
