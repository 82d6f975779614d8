/**
 * The one error a domain function or the edge throws for something the person asking can
 * act on. `kind` says what went wrong in general (lib/edge turns it into a status code);
 * `message` says it in words a person can act on; `code` names the precise refusal for
 * clients that react to it (the composer's `window_closed`), and `field` the form field it
 * belongs beside. Anything that is not an AppError is a real failure: a 500, logged.
 */
export type AppErrorKind =
  /** The request itself is malformed (a query string or id no page of ours writes). */
  | "invalid"
  /** A rule the person can fix: a field, a message too long, a template that cannot be used. */
  | "rejected"
  /** Nothing with this id in this workspace: another workspace's ids look exactly like this. */
  | "not_found"
  /** The caller's role does not allow it: answered like `not_found`, as for a page they cannot see. */
  | "forbidden"
  /** The state of things refuses it now (window closed, id already used, token expired). */
  | "conflict"
  /** It existed, but is no longer available (media Meta has dropped). */
  | "gone"
  | "unauthenticated"
  /** A state-changing request sent by another site. */
  | "cross_site"
  | "rate_limited"
  /** Something we depend on (Meta, the database) cannot be reached now; trying later may work. */
  | "unavailable";

export type AppErrorOptions = { code?: string; field?: string; details?: Record<string, unknown> };

export class AppError extends Error {
  readonly code: string | undefined;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly kind: AppErrorKind,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = "AppError";
    this.code = options.code;
    this.field = options.field;
    this.details = options.details;
  }
}

/** Not in this workspace (or not at all); `what` names it for the person: "Conversation". */
export const notFound = (what = "Record") =>
  new AppError("not_found", `${what} not found in this workspace.`);

export const forbidden = (message = "Your role in this workspace does not allow this. Ask an admin or the owner.") =>
  new AppError("forbidden", message);

/** A rule the person can fix, shown beside `field` when there is one. */
export const rejected = (message: string, field?: string) => new AppError("rejected", message, { field });
