export class DeadlineExceeded extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = "DeadlineExceeded";
  }
}

/**
 * `work`, or a DeadlineExceeded rejection once `ms` have passed. The work itself goes on; this
 * only stops the caller waiting for it (a request must be answered, even when a database
 * driver loses a query — postgres.js issue #1208 — and its promise never settles).
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
