/**
 * Independent statements of one transaction sent without waiting for each other's answers:
 * postgres.js pipelines them on the transaction's connection (one round trip and one turn of
 * the event loop instead of one each), PGlite runs them in turn. They do not necessarily reach
 * Postgres in the order they were called (on PGlite a count called after an insert ran
 * before it), so never pipeline a statement with one it depends on: a lock with what it
 * protects, a write with a read of it. Every one is awaited before the first failure is
 * thrown, so none is still running when the transaction rolls back. Returns their results in
 * the order given.
 */
export async function pipelined<T extends readonly unknown[]>(...work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
