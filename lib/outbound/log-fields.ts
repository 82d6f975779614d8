import { pgErrorCode } from "@/db/errors";

/**
 * An unexpected error, for a log line, without its message: a failed query's message lists
 * its parameters, and some of ours carry a sealed access token.
 */
export function errorFields(error: unknown): { errorName: string; pgCode: string | undefined } {
  return { errorName: error instanceof Error ? error.name : typeof error, pgCode: pgErrorCode(error) };
}
