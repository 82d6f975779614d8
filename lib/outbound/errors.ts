/**
 * Why a request to send was turned down before anything was stored or sent. `message` is
 * written for the person at the composer; `kind` lets a route choose its status code.
 */
export type RefusalKind =
  | "invalid"
  | "window_closed"
  | "token_invalid"
  | "number_removed"
  | "template_unavailable"
  | "id_in_use"
  | "not_retryable";

export class OutboundRefusal extends Error {
  readonly kind: RefusalKind;
  /** For `window_closed`: when the window closed (null: the customer never wrote). */
  readonly closedAt: Date | null;

  constructor(kind: RefusalKind, message: string, closedAt: Date | null = null) {
    super(message);
    this.name = "OutboundRefusal";
    this.kind = kind;
    this.closedAt = closedAt;
  }
}

/** The conversation, message or template is not in this workspace (or does not exist): a 404. */
export class OutboundNotFound extends Error {
  constructor(what: "Conversation" | "Message" | "Template") {
    super(`${what} not found`);
    this.name = "OutboundNotFound";
  }
}
