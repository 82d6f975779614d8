/**
 * The one description of an error, for log lines and for the failure stored with a webhook
 * delivery. Drizzle wraps a failed query in an error whose message repeats the query's
 * parameters (message text, sealed access tokens): the description is the innermost cause's,
 * which is the database's own words.
 */
export type ErrorDescription = { name: string; message: string; code?: string; stack?: string };

const maxCauseDepth = 5;
const maxStackFrames = 10;

function rootCause(error: unknown): unknown {
  let root = error;
  for (let depth = 0; depth < maxCauseDepth && root instanceof Error && root.cause; depth++) root = root.cause;
  return root;
}

export function serializeError(error: unknown): ErrorDescription {
  const root = rootCause(error);
  if (!(root instanceof Error)) return { name: typeof root, message: String(root) };
  const code = (root as { code?: unknown }).code;
  // Only the frames: the stack's first lines repeat the message.
  const frames = (root.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .slice(0, maxStackFrames)
    .map((line) => line.trim());
  return {
    name: root.name,
    message: root.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(frames.length > 0 ? { stack: frames.join("\n") } : {}),
  };
}

/** The same description in one line: `23505: duplicate key value violates …`. */
export function describeError(error: unknown): string {
  const { code, message } = serializeError(error);
  return code ? `${code}: ${message}` : message;
}
