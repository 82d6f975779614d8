import { z } from "zod";

/** Meta's error body: `{ error: { message, type, code, error_subcode?, error_data?, fbtrace_id } }`. */
export const metaErrorBodySchema = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_user_title: z.string().optional(),
    error_user_msg: z.string().optional(),
    error_data: z.object({ details: z.string().optional() }).loose().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** Meta error codes that name a condition, so callers need no magic numbers. */
export const metaCodes = {
  accessTokenExpired: 190,
  apiTooManyCalls: 4,
  wabaRateLimit: 80007,
  throughputRateLimit: 130429,
  reEngagementWindowClosed: 131047,
  undeliverable: 131026,
  unsupportedMessageType: 131051,
  pairRateLimit: 131056,
  unsupportedGetRequest: 100,
  /** Register: the number already has a two-step verification PIN, and this is not it. */
  pinMismatch: 133005,
} as const;

const rateLimitCodes = new Set<number>([
  metaCodes.apiTooManyCalls,
  metaCodes.wabaRateLimit,
  metaCodes.throughputRateLimit,
  metaCodes.pairRateLimit,
]);

/** Errors no repetition can fix; Meta answers some of them with a 5xx too. */
function cannotSucceed(code: number): boolean {
  return (
    code === metaCodes.accessTokenExpired ||
    code === metaCodes.reEngagementWindowClosed ||
    code === metaCodes.undeliverable ||
    code === metaCodes.unsupportedMessageType ||
    // 132000–132999: template errors (missing, paused, parameter mismatch, policy).
    (code >= 132000 && code < 133000)
  );
}

export type GraphErrorKind =
  /** Meta answered with an error. */
  | "api"
  /** No answer within the timeout: the request may or may not have taken effect. */
  | "timeout"
  /** The connection failed; `connectFailed` says whether the request surely never left. */
  | "network"
  /** Meta answered 2xx with a body we do not understand. */
  | "invalid_response";

/**
 * A failed Graph API call, described without the request: never the token, never the body.
 * `title`/`details` are Meta's words, for people; `code` is Meta's error code when it sent one.
 */
export class GraphError extends Error {
  readonly kind: GraphErrorKind;
  readonly httpStatus: number | null;
  readonly code: number | null;
  readonly subcode: number | null;
  readonly title: string;
  readonly details: string | null;
  readonly fbtraceId: string | null;
  readonly connectFailed: boolean;

  constructor(fields: {
    kind: GraphErrorKind;
    title: string;
    httpStatus?: number | null;
    code?: number | null;
    subcode?: number | null;
    details?: string | null;
    fbtraceId?: string | null;
    connectFailed?: boolean;
  }) {
    super(fields.code != null ? `Graph API error ${fields.code}: ${fields.title}` : fields.title);
    this.name = "GraphError";
    this.kind = fields.kind;
    this.httpStatus = fields.httpStatus ?? null;
    this.code = fields.code ?? null;
    this.subcode = fields.subcode ?? null;
    this.title = fields.title;
    this.details = fields.details ?? null;
    this.fbtraceId = fields.fbtraceId ?? null;
    this.connectFailed = fields.connectFailed ?? false;
  }

  get rateLimited(): boolean {
    return this.httpStatus === 429 || (this.code !== null && rateLimitCodes.has(this.code));
  }

  /** Media (and other objects) Meta no longer has: a 404, or "object does not exist" (100/33). */
  get notFound(): boolean {
    return this.httpStatus === 404 || (this.code === metaCodes.unsupportedGetRequest && this.subcode === 33);
  }

  /**
   * Whether repeating the same request can succeed. `idempotent` requests (reads, mark as
   * read) may be repeated after any transport failure; a send is repeated only when it
   * surely never reached Meta or Meta refused it outright, so a customer never gets it twice.
   */
  retryable(idempotent: boolean): boolean {
    switch (this.kind) {
      case "timeout":
        return idempotent;
      case "network":
        return idempotent || this.connectFailed;
      case "invalid_response":
        return false;
      case "api":
        if (this.code !== null && cannotSucceed(this.code)) return false;
        return this.rateLimited || (this.httpStatus !== null && this.httpStatus >= 500);
    }
  }
}

/** Reads Meta's error body; anything else becomes a generic error carrying the HTTP status. */
export function graphErrorFromResponse(httpStatus: number, body: unknown): GraphError {
  const parsed = metaErrorBodySchema.safeParse(body);
  if (!parsed.success) {
    return new GraphError({
      kind: "api",
      httpStatus,
      title: `WhatsApp answered with HTTP ${httpStatus}`,
    });
  }
  const e = parsed.data.error;
  return new GraphError({
    kind: "api",
    httpStatus,
    code: e.code,
    subcode: e.error_subcode ?? null,
    title: e.error_user_title ?? stripCodePrefix(e.message) ?? `WhatsApp error ${e.code}`,
    details: e.error_data?.details ?? e.error_user_msg ?? null,
    fbtraceId: e.fbtrace_id ?? null,
  });
}

/** "(#131047) Re-engagement message" → "Re-engagement message". */
function stripCodePrefix(message: string | undefined): string | undefined {
  return message?.replace(/^\(#\d+\)\s*/, "") || undefined;
}
