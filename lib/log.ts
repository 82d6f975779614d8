import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type DestinationStream, type Logger } from "pino";
import { env } from "./config/env";
import { serializeError } from "./logging/errors";
import { redactedPaths, redactionCensor } from "./logging/redaction";

type Level = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

export type Log = { [L in Level]: (event: string, fields?: LogFields) => void } & {
  /** A logger whose every line also carries `bindings`. */
  child: (bindings: LogFields) => Log;
};

/**
 * One JSON object per line, through pino: `{"level":"warn","time":…,"pid":…,"event":…, …fields}`.
 * Fields named in `logging/redaction.ts` (tokens, secrets, passwords, credentials, message
 * bodies) are replaced by "[redacted]"; `error`/`err` fields are described by `serializeError`.
 * Info and debug go to stdout, warnings and errors to stderr; with LOG_FILE set (the test
 * suite does), everything is appended to that file instead.
 */
function createRoot(): Logger {
  return pino(
    {
      level: threshold(),
      messageKey: "event",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: serializeError, err: serializeError },
      redact: { paths: redactedPaths, censor: redactionCensor },
      // A fresh object each line: pino assigns the line's own fields onto it.
      mixin: () => ({ ...current.getStore() }),
    },
    destination(),
  );
}

function destination(): DestinationStream {
  const file = settings()?.LOG_FILE;
  // Synchronous writes: a line logged just before `process.exit` is not lost.
  if (file) return pino.destination({ dest: file, append: true, mkdir: true, sync: true });
  return pino.multistream(
    [
      { level: "debug", stream: pino.destination({ fd: 1, sync: true }) },
      { level: "warn", stream: pino.destination({ fd: 2, sync: true }) },
    ],
    { dedupe: true },
  );
}

function settings() {
  try {
    return env();
  } catch {
    // An invalid environment is reported by whoever reads it; logging must still work.
    return undefined;
  }
}

function threshold(): Level {
  return settings()?.LOG_LEVEL ?? "info";
}

let root: Logger | undefined;

// The request or webhook delivery being handled: fields every line logged inside it carries.
// Plain fields rather than a pino child per request: a child runs every binding through the
// redaction paths when it is made (with an info line per delivery, redaction was 2.6–2.9 % of
// the server's CPU in the webhook bench). Kept on globalThis: the server entry and Next.js's
// bundles each load their own copy of this module.
const scope = globalThis as typeof globalThis & { __switchboardLogScope?: AsyncLocalStorage<LogFields> };
const current = (scope.__switchboardLogScope ??= new AsyncLocalStorage<LogFields>());

function base(): Logger {
  root ??= createRoot();
  // LOG_LEVEL is read on every line so a test that changes it (and resets the env) is obeyed.
  const wanted = threshold();
  if (root.level !== wanted) root.level = wanted;
  return root;
}

function facade(logger: () => Logger): Log {
  const write = (level: Level) => (event: string, fields: LogFields = {}) => logger()[level](fields, event);
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (bindings) => facade(() => logger().child(bindings)),
  };
}

export const log: Log = facade(base);

/**
 * Runs `work` with every line logged inside it, however deep, carrying `bindings`
 * (a request id, a webhook delivery id).
 */
export function withLogContext<T>(bindings: LogFields, work: () => T): T {
  return current.run({ ...current.getStore(), ...bindings }, work);
}
