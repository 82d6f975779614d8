/**
 * The database's own words for a failure, for logs and the delivery's `error`. Drizzle's
 * wrapper message repeats the query's parameters, which include message text.
 */
export function describeFailure(error: unknown): string {
  let root = error;
  for (let depth = 0; depth < 5 && root instanceof Error && root.cause; depth++) root = root.cause;
  const code = (root as { code?: unknown } | null)?.code;
  const message = root instanceof Error ? root.message : String(root);
  return typeof code === "string" ? `${code}: ${message}` : message;
}
