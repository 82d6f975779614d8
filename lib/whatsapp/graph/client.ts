import { setTimeout as sleepFor } from "node:timers/promises";
import { z } from "zod";
import { env } from "@/lib/config/env";
import { log } from "@/lib/log";
import { GraphError, graphErrorFromResponse } from "./errors";
import type { OutgoingMessage } from "./messages";
import { templateDefinitionSchema, type TemplateDefinition } from "./templates";

/**
 * Meta's Graph API for WhatsApp, and nothing of ours: no workspaces, no database. The
 * access token is an argument of every call; it goes into the Authorization header and
 * nowhere else (not into errors, not into logs).
 */

export type RetryPolicy = {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injectable so tests do not wait. */
  sleep: (ms: number) => Promise<unknown>;
  random: () => number;
};

export type GraphClientOptions = {
  baseUrl?: string;
  version?: string;
  /** Per attempt, for API calls. */
  timeoutMs?: number;
  /** Per attempt, for media downloads. */
  downloadTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
};

export type NumberAuth = { token: string; phoneNumberId: string };

const sentMessageSchema = z.object({
  contacts: z.array(z.object({ input: z.string().optional(), wa_id: z.string().optional(), user_id: z.string().optional() })).optional(),
  messages: z.array(z.object({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});

const markReadSchema = z.object({ success: z.boolean() });

const mediaInfoSchema = z.object({
  url: z.url(),
  mime_type: z.string(),
  sha256: z.string().optional(),
  file_size: z.coerce.number().optional(),
  id: z.string(),
});

const templatePageSchema = z.object({
  data: z.array(templateDefinitionSchema),
  paging: z.object({ cursors: z.object({ after: z.string().optional() }).optional(), next: z.string().optional() }).optional(),
});

const phoneNumberSchema = z.object({
  id: z.string(),
  display_phone_number: z.string().optional(),
  verified_name: z.string().optional(),
  quality_rating: z.string().optional(),
  messaging_limit_tier: z.string().optional(),
});

const phoneNumberPageSchema = z.object({
  data: z.array(phoneNumberSchema),
  paging: z.object({ cursors: z.object({ after: z.string().optional() }).optional(), next: z.string().optional() }).optional(),
});

const debugTokenSchema = z.object({
  data: z.object({ app_id: z.string().optional(), is_valid: z.boolean(), type: z.string().optional() }).loose(),
});

const successSchema = z.object({ success: z.boolean() });

const accessTokenSchema = z.object({ access_token: z.string().min(1), token_type: z.string().optional() });

const subscribedAppsSchema = z.object({
  data: z.array(z.object({ whatsapp_business_api_data: z.object({ id: z.string() }).loose().optional() }).loose()),
});

/** A number as Meta describes it: the fields the settings page shows. */
export type PhoneNumberInfo = {
  id: string;
  displayNumber: string | null;
  verifiedName: string | null;
  qualityRating: string | null;
  messagingLimit: string | null;
};
export type TokenInfo = { valid: boolean; appId: string | null; type: string | null };

export type SentMessage = { wamid: string };
export type MediaInfo = { url: string; mimeType: string; sha256: string | null; fileSize: number | null };
export type DownloadedMedia = { bytes: Buffer; mimeType: string | null };

export type GraphClient = ReturnType<typeof createGraphClient>;

/** Connection failures that happen before a byte of the request was sent. */
const connectErrorCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== "object" || depth > 4) return;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    visit((e as { cause?: unknown }).cause, depth + 1);
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) visit(inner, depth + 1);
  };
  visit(error, 0);
  return codes;
}

function transportError(error: unknown): GraphError {
  if (error instanceof GraphError) return error;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new GraphError({ kind: "timeout", title: "WhatsApp did not answer in time" });
  }
  const codes = causeCodes(error);
  return new GraphError({
    kind: "network",
    title: "Could not reach WhatsApp",
    details: codes[0] ?? null,
    connectFailed: codes.some((c) => connectErrorCodes.has(c)),
  });
}

/** Exponential backoff with jitter: half the step fixed, half random, capped. */
export function backoffDelay(policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">, retry: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(step / 2 + (step / 2) * policy.random());
}

export function createGraphClient(options: GraphClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? env().WHATSAPP_GRAPH_URL).replace(/\/+$/, "");
  const version = options.version ?? env().WHATSAPP_GRAPH_VERSION;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const downloadTimeoutMs = options.downloadTimeoutMs ?? 60_000;
  const retry: RetryPolicy = {
    attempts: 4,
    baseDelayMs: 500,
    maxDelayMs: 8_000,
    sleep: (ms) => sleepFor(ms),
    random: Math.random,
    ...options.retry,
  };

  const apiUrl = (path: string, query?: Record<string, string>) => {
    const url = new URL(`${baseUrl}/${version}/${path}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url;
  };

  /** One logical call: tries until success, a final error, or the attempts run out. */
  async function withRetries<T>(operation: string, idempotent: boolean, attempt: () => Promise<T>): Promise<T> {
    for (let tryNumber = 1; ; tryNumber++) {
      try {
        return await attempt();
      } catch (caught) {
        const error = transportError(caught);
        if (tryNumber >= retry.attempts || !error.retryable(idempotent)) throw error;
        const delayMs = backoffDelay(retry, tryNumber);
        log.warn("graph_retry", {
          operation,
          attempt: tryNumber,
          kind: error.kind,
          httpStatus: error.httpStatus,
          code: error.code,
          fbtraceId: error.fbtraceId,
          delayMs,
        });
        await retry.sleep(delayMs);
      }
    }
  }

  async function requestJson<T>(
    operation: string,
    /** `token` null: the request authenticates otherwise (the code exchange's client secret). */
    init: { url: URL; token: string | null; method: "GET" | "POST"; body?: unknown; idempotent: boolean },
    schema: z.ZodType<T>,
  ): Promise<T> {
    return withRetries(operation, init.idempotent, async () => {
      const response = await fetch(init.url, {
        method: init.method,
        headers: {
          ...(init.token !== null ? { Authorization: `Bearer ${init.token}` } : {}),
          Accept: "application/json",
          ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}),
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      if (!response.ok) throw graphErrorFromResponse(response.status, json);
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new GraphError({
          kind: "invalid_response",
          httpStatus: response.status,
          title: "WhatsApp answered in a form Switchboard does not understand",
        });
      }
      return parsed.data;
    });
  }

  return {
    /** `POST /{phone_number_id}/messages`. Not idempotent on Meta's side: see GraphError.retryable. */
    async sendMessage(auth: NumberAuth, message: OutgoingMessage): Promise<SentMessage> {
      const result = await requestJson(
        "send_message",
        { url: apiUrl(`${encodeURIComponent(auth.phoneNumberId)}/messages`), token: auth.token, method: "POST", body: message, idempotent: false },
        sentMessageSchema,
      );
      return { wamid: result.messages[0]!.id };
    },

    /** Marks an inbound message (and those before it) as read: blue ticks for the customer. */
    async markAsRead(auth: NumberAuth, wamid: string): Promise<void> {
      await requestJson(
        "mark_as_read",
        {
          url: apiUrl(`${encodeURIComponent(auth.phoneNumberId)}/messages`),
          token: auth.token,
          method: "POST",
          body: { messaging_product: "whatsapp", status: "read", message_id: wamid },
          idempotent: true,
        },
        markReadSchema,
      );
    },

    /** `GET /{media_id}`: a short-lived download URL and the media's type. */
    async getMediaInfo(token: string, mediaId: string): Promise<MediaInfo> {
      const info = await requestJson(
        "get_media",
        { url: apiUrl(encodeURIComponent(mediaId)), token, method: "GET", idempotent: true },
        mediaInfoSchema,
      );
      return { url: info.url, mimeType: info.mime_type, sha256: info.sha256 ?? null, fileSize: info.file_size ?? null };
    },

    /** The bytes behind a URL from `getMediaInfo`; Meta wants the same bearer token there. */
    async downloadMedia(token: string, url: string): Promise<DownloadedMedia> {
      return withRetries("download_media", true, async () => {
        const response = await fetch(url, {
          headers: { Authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(downloadTimeoutMs),
        });
        if (!response.ok) {
          const json: unknown = await response.json().catch(() => null);
          throw graphErrorFromResponse(response.status, json);
        }
        return { bytes: Buffer.from(await response.arrayBuffer()), mimeType: response.headers.get("content-type") };
      });
    },

    /**
     * `GET /debug_token`: which app a token was minted for and whether it is still valid.
     * Meta wants an app access token (`{app-id}|{app-secret}`) to answer for the app's tokens.
     */
    async debugToken(appAccessToken: string, inputToken: string): Promise<TokenInfo> {
      const result = await requestJson(
        "debug_token",
        { url: apiUrl("debug_token", { input_token: inputToken }), token: appAccessToken, method: "GET", idempotent: true },
        debugTokenSchema,
      );
      return { valid: result.data.is_valid, appId: result.data.app_id ?? null, type: result.data.type ?? null };
    },

    /** Every phone number of a WhatsApp Business Account the token can see, following Meta's paging. */
    async listPhoneNumbers(token: string, wabaId: string): Promise<PhoneNumberInfo[]> {
      const numbers: PhoneNumberInfo[] = [];
      let after: string | undefined;
      for (let page = 0; page < 100; page++) {
        const query: Record<string, string> = {
          fields: "id,display_phone_number,verified_name,quality_rating,messaging_limit_tier",
          limit: "100",
        };
        if (after) query.after = after;
        const result = await requestJson(
          "list_phone_numbers",
          { url: apiUrl(`${encodeURIComponent(wabaId)}/phone_numbers`, query), token, method: "GET", idempotent: true },
          phoneNumberPageSchema,
        );
        for (const n of result.data) {
          numbers.push({
            id: n.id,
            displayNumber: n.display_phone_number ?? null,
            verifiedName: n.verified_name ?? null,
            qualityRating: n.quality_rating ?? null,
            messagingLimit: n.messaging_limit_tier ?? null,
          });
        }
        after = result.paging?.cursors?.after;
        if (!result.paging?.next || !after) break;
      }
      return numbers;
    },

    /** `POST /{waba_id}/subscribed_apps`: subscribes the token's own app to the WABA's webhooks. */
    async subscribeApp(token: string, wabaId: string): Promise<boolean> {
      const result = await requestJson(
        "subscribe_app",
        { url: apiUrl(`${encodeURIComponent(wabaId)}/subscribed_apps`), token, method: "POST", idempotent: true },
        successSchema,
      );
      return result.success;
    },

    /** `GET /{waba_id}/subscribed_apps`: the ids of the apps receiving the WABA's webhooks. */
    async listSubscribedApps(token: string, wabaId: string): Promise<string[]> {
      const result = await requestJson(
        "list_subscribed_apps",
        { url: apiUrl(`${encodeURIComponent(wabaId)}/subscribed_apps`), token, method: "GET", idempotent: true },
        subscribedAppsSchema,
      );
      return result.data.flatMap((app) => (app.whatsapp_business_api_data ? [app.whatsapp_business_api_data.id] : []));
    },

    /**
     * `GET /oauth/access_token`: Embedded Signup's code exchanged for the business's token.
     * Not repeated after a timeout: a code works once, so a second try could only fail.
     */
    async exchangeCode(app: { appId: string; appSecret: string }, code: string): Promise<string> {
      const result = await requestJson(
        "exchange_code",
        {
          url: apiUrl("oauth/access_token", { client_id: app.appId, client_secret: app.appSecret, code }),
          token: null,
          method: "GET",
          idempotent: false,
        },
        accessTokenSchema,
      );
      return result.access_token;
    },

    /**
     * `POST /{phone_number_id}/register`: the number starts using Cloud API, with `pin` as its
     * two-step verification PIN (or the PIN it already has). Registering again with the same
     * PIN changes nothing, so a lost answer may be asked again.
     */
    async registerPhoneNumber(token: string, phoneNumberId: string, pin: string): Promise<void> {
      await requestJson(
        "register_phone_number",
        {
          url: apiUrl(`${encodeURIComponent(phoneNumberId)}/register`),
          token,
          method: "POST",
          body: { messaging_product: "whatsapp", pin },
          idempotent: true,
        },
        successSchema,
      );
    },

    /** Every template of a WhatsApp Business Account, all statuses, following Meta's paging. */
    async listMessageTemplates(token: string, wabaId: string): Promise<TemplateDefinition[]> {
      const templates: TemplateDefinition[] = [];
      let after: string | undefined;
      // A bound, so a paging bug on either side cannot loop forever.
      for (let page = 0; page < 100; page++) {
        const query: Record<string, string> = { fields: "id,name,language,status,category,components", limit: "100" };
        if (after) query.after = after;
        const result = await requestJson(
          "list_message_templates",
          { url: apiUrl(`${encodeURIComponent(wabaId)}/message_templates`, query), token, method: "GET", idempotent: true },
          templatePageSchema,
        );
        templates.push(...result.data);
        after = result.paging?.cursors?.after;
        if (!result.paging?.next || !after) break;
      }
      return templates;
    },
  };
}

/** A client configured from the environment. */
export function graphClient(): GraphClient {
  return createGraphClient();
}
