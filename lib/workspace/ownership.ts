import { env } from "@/lib/config/env";
import { GraphError, metaCodes } from "@/lib/whatsapp/graph/errors";
import { graphClient, type GraphClient, type PhoneNumberInfo } from "@/lib/whatsapp/graph/client";
import { log } from "@/lib/log";

/**
 * Asks Meta whether a token proves a number: the token is one of the platform app's
 * (`debug_token`), it sees the WABA and the number is in the WABA's list (followed through
 * every page), and the platform app is subscribed to the WABA (subscribed once more, then
 * listed). Knows nothing of workspaces; `numbers.ts` decides what a verdict changes.
 */
export type Verdict =
  /** `wabaPhones`: every number of the WABA the token sees, the proven one among them. */
  | { kind: "proven"; phone: PhoneNumberInfo; wabaPhones: PhoneNumberInfo[] }
  /** Meta says no: the token cannot see the number, or belongs to another app, or our app is not subscribed. */
  | { kind: "refused"; reason: string; appSubscribed: boolean | null }
  /** Meta rejects the token itself (expired, revoked): says nothing about who owns the number. */
  | { kind: "token_rejected"; reason: string }
  /** Meta could not be asked: nothing is known either way. */
  | { kind: "unreachable"; reason: string };

export type ProofRequest = { token: string; wabaId: string; phoneNumberId: string };

const tokenRejected =
  "Meta rejected this access token (expired or revoked). Create a new system user token in Business Settings and paste it here.";

export async function proveNumber(request: ProofRequest, client: GraphClient = graphClient()): Promise<Verdict> {
  const { META_APP_ID, WHATSAPP_APP_SECRET } = env();
  try {
    const token = await client.debugToken(`${META_APP_ID}|${WHATSAPP_APP_SECRET}`, request.token).catch((error: unknown) => {
      // Meta refusing our own app token is the platform's configuration, not the business's token.
      if (error instanceof GraphError && error.kind === "api" && !error.rateLimited && (error.httpStatus ?? 0) < 500) {
        log.error("debug_token_refused", { code: error.code, fbtraceId: error.fbtraceId });
        throw new GraphError({ kind: "network", title: "Meta refused the platform's app credentials" });
      }
      throw error;
    });
    if (!token.valid) return { kind: "token_rejected", reason: tokenRejected };
    if (token.appId !== META_APP_ID) {
      return {
        kind: "refused",
        appSubscribed: null,
        reason:
          `This access token was made for another Meta app (${token.appId ?? "unknown"}), not Switchboard's. ` +
          "Meta would send that app your messages, not Switchboard: create the token for Switchboard's app.",
      };
    }
    const phones = await client.listPhoneNumbers(request.token, request.wabaId);
    const phone = phones.find((p) => p.id === request.phoneNumberId);
    if (!phone) {
      return {
        kind: "refused",
        appSubscribed: null,
        reason:
          `Phone number ID ${request.phoneNumberId} is not in WhatsApp Business Account ${request.wabaId} as this token sees it. ` +
          "Copy both ids from WhatsApp Manager → API Setup.",
      };
    }
    await client.subscribeApp(request.token, request.wabaId);
    const apps = await client.listSubscribedApps(request.token, request.wabaId);
    if (!apps.includes(META_APP_ID)) {
      return {
        kind: "refused",
        appSubscribed: false,
        reason: "Meta did not subscribe Switchboard's app to this WhatsApp Business Account, so its messages would not reach Switchboard.",
      };
    }
    return { kind: "proven", phone, wabaPhones: phones };
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    log.warn("number_proof_failed", { phoneNumberId: request.phoneNumberId, kind: error.kind, code: error.code, fbtraceId: error.fbtraceId });
    if (error.kind !== "api" || error.rateLimited || (error.httpStatus ?? 0) >= 500) {
      return {
        kind: "unreachable",
        reason: "Switchboard could not reach WhatsApp to check this number. Nothing was changed; try again in a minute.",
      };
    }
    if (error.code === metaCodes.accessTokenExpired) return { kind: "token_rejected", reason: tokenRejected };
    if (error.code === metaCodes.unsupportedGetRequest) {
      return {
        kind: "refused",
        appSubscribed: null,
        reason:
          `This access token cannot see WhatsApp Business Account ${request.wabaId}. ` +
          "Check the WABA ID, and that the token's system user has been given access to this account.",
      };
    }
    return { kind: "refused", appSubscribed: null, reason: `WhatsApp refused the check: ${error.title}` };
  }
}
