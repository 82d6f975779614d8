import { AppError, type AppErrorKind } from "@/lib/domain/errors";

/** The one table from what went wrong to the status a route answers. */
export const statusOf: Record<AppErrorKind, number> = {
  invalid: 400,
  rejected: 422,
  not_found: 404,
  // A page or record the role may not see looks exactly like one that does not exist.
  forbidden: 404,
  conflict: 409,
  gone: 410,
  unauthenticated: 401,
  cross_site: 403,
  rate_limited: 429,
  unavailable: 503,
};

/** `{ error }` in words, plus the precise refusal as `kind` and its details; anything else is rethrown (a 500). */
export function errorResponse(error: unknown): Response {
  if (!(error instanceof AppError)) throw error;
  const body = { error: error.message, ...(error.code ? { kind: error.code } : {}), ...error.details };
  return Response.json(body, { status: statusOf[error.kind] });
}
