import { AppError } from "@/lib/domain/errors";

/**
 * Why a request to send was turned down before anything was stored or sent: an AppError
 * whose `code` names the refusal for the composer and whose kind sets the status: what the
 * person can change is `rejected` (422), the state of the conversation is a `conflict` (409).
 */
export type RefusalKind =
  | "invalid"
  | "window_closed"
  | "token_invalid"
  | "number_removed"
  | "template_unavailable"
  | "id_in_use"
  | "not_retryable";

const personCanFix = new Set<RefusalKind>(["invalid", "template_unavailable", "not_retryable"]);

/** For `window_closed`, `closedAt` says when the window closed (null: the customer never wrote). */
export function refusal(kind: RefusalKind, message: string, closedAt?: Date | null): AppError {
  return new AppError(personCanFix.has(kind) ? "rejected" : "conflict", message, {
    code: kind,
    details: kind === "window_closed" ? { closedAt: closedAt?.toISOString() ?? null } : undefined,
  });
}
