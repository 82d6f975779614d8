import { z } from "zod";
import { env } from "@/lib/config/env";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import type { ActorCtx } from "@/lib/domain/context";
import { rejected } from "@/lib/domain/errors";
import { log } from "@/lib/log";
import { graphClient, type GraphClient } from "@/lib/whatsapp/graph/client";
import { GraphError, metaCodes } from "@/lib/whatsapp/graph/errors";
import { requireVerifiedEmail } from "@/lib/account/verification";
import { withTenant } from "@/db/tenant";
import { requireRole } from "./access";
import { blankAsUndefined, digits, numberLabel, storeNumber, type NumberView } from "./numbers";
import { proveNumber } from "./ownership";

/**
 * Connecting a number through Meta's Embedded Signup (docs/ARCHITECTURE.md, "Embedded
 * Signup"). The browser receives, from Facebook's window, a one-time code and the ids of the
 * WhatsApp Business Account and the number the business chose. Two steps, because the code
 * lives only minutes while the admin still has to choose a PIN:
 *
 * 1. `exchangeSignupCode`, as soon as the code arrives: Meta trades it, for the platform app
 *    and its secret (which never leaves the server), for the business's token. The token goes
 *    back to the browser only sealed (AES-GCM under ENCRYPTION_KEY), bound to this workspace
 *    and these ids, for 30 minutes: the "grant", which the browser cannot read or reuse elsewhere.
 * 2. `connectSignedUpNumber`, with the PIN: the number is registered for Cloud API with it,
 *    then proven and stored exactly as a pasted token is (`proveNumber`, `storeNumber`),
 *    which also subscribes the platform app to the WABA. A refused PIN can be corrected and
 *    sent again with the same grant, without going through Facebook again.
 */

const ids = { wabaId: digits("The WhatsApp Business Account ID"), phoneNumberId: digits("The phone number ID") };

export const exchangeSignupCodeSchema = z.object({ code: z.string().trim().min(1).max(4096), ...ids });

export const connectSignedUpNumberSchema = z.object({
  grant: z.string().min(1).max(8192),
  ...ids,
  pin: z.string().trim().regex(/^\d{6}$/, "Choose a PIN of exactly 6 digits."),
  label: z.preprocess(blankAsUndefined, numberLabel.optional()),
});

export type ExchangeSignupCodeInput = z.output<typeof exchangeSignupCodeSchema>;
export type ConnectSignedUpNumberInput = z.output<typeof connectSignedUpNumberSchema>;

export const grantLifetimeMs = 30 * 60 * 1000;

const grantSchema = z.object({ token: z.string().min(1), expiresAt: z.number() });

/** What a grant is bound to: opened for another workspace, WABA or number, it fails. */
const grantBinding = (tenantId: string, input: { wabaId: string; phoneNumberId: string }) =>
  `embedded-signup|${tenantId}|${input.wabaId}|${input.phoneNumberId}`;

const startAgain = "Start again with Connect with Facebook.";

const unreachable = (what: string) =>
  rejected(`Switchboard could not reach Meta to ${what}. Nothing was connected; try again in a minute.`);

/** Meta answered, and no repetition of the same request will change its answer. */
const refusedByMeta = (error: GraphError) =>
  error.kind === "api" && !error.rateLimited && (error.httpStatus ?? 0) < 500;

const metaWords = (error: GraphError) => `${error.title.replace(/\.$/, "")}${error.details ? ` (${error.details})` : ""}.`;

export async function exchangeSignupCode(
  { actor }: ActorCtx,
  input: ExchangeSignupCodeInput,
  client: GraphClient = graphClient(),
): Promise<{ grant: string }> {
  requireRole(actor, "admin");
  await withTenant(actor.tenantId, (tx) => requireVerifiedEmail(tx, actor.userId));
  const { META_APP_ID, WHATSAPP_APP_SECRET } = env();
  let token: string;
  try {
    token = await client.exchangeCode({ appId: META_APP_ID, appSecret: WHATSAPP_APP_SECRET }, input.code);
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    log.warn("signup_code_refused", { workspaceId: actor.tenantId, kind: error.kind, code: error.code, fbtraceId: error.fbtraceId });
    if (!refusedByMeta(error)) throw unreachable("finish the Facebook sign-in");
    throw rejected(`Meta refused the sign-in code: ${metaWords(error)} Each code works once, for a few minutes. ${startAgain}`);
  }
  const grant = encryptSecret(JSON.stringify({ token, expiresAt: Date.now() + grantLifetimeMs }), grantBinding(actor.tenantId, input));
  return { grant };
}

function openGrant(tenantId: string, input: ConnectSignedUpNumberInput): string {
  let opened: z.infer<typeof grantSchema>;
  try {
    opened = grantSchema.parse(JSON.parse(decryptSecret(input.grant, grantBinding(tenantId, input))));
  } catch {
    throw rejected(`This Facebook sign-in is not valid for this number in this workspace. ${startAgain}`);
  }
  if (opened.expiresAt < Date.now()) throw rejected(`This Facebook sign-in expired (after 30 minutes). ${startAgain}`);
  return opened.token;
}

async function register(client: GraphClient, token: string, input: ConnectSignedUpNumberInput): Promise<void> {
  try {
    await client.registerPhoneNumber(token, input.phoneNumberId, input.pin);
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    log.warn("number_register_refused", { phoneNumberId: input.phoneNumberId, kind: error.kind, code: error.code, fbtraceId: error.fbtraceId });
    if (!refusedByMeta(error)) throw unreachable("register the number");
    if (error.code === metaCodes.pinMismatch) {
      throw rejected(
        `Meta refused the PIN: ${metaWords(error)} This number already has a two-step verification PIN: enter that one, ` +
          "or change it in WhatsApp Manager (the number's settings, Two-step verification) and try again.",
        "pin",
      );
    }
    throw rejected(`Meta refused to register the number for the Cloud API: ${metaWords(error)}`);
  }
}

export async function connectSignedUpNumber(
  { actor }: ActorCtx,
  input: ConnectSignedUpNumberInput,
  client: GraphClient = graphClient(),
): Promise<NumberView> {
  requireRole(actor, "admin");
  await withTenant(actor.tenantId, (tx) => requireVerifiedEmail(tx, actor.userId));
  const token = openGrant(actor.tenantId, input);
  await register(client, token, input);
  const verdict = await proveNumber({ token, wabaId: input.wabaId, phoneNumberId: input.phoneNumberId }, client);
  if (verdict.kind !== "proven") throw rejected(verdict.reason);
  const label = input.label ?? verdict.phone.verifiedName ?? verdict.phone.displayNumber ?? "WhatsApp";
  const number = await storeNumber(actor, { label, wabaId: input.wabaId, phoneNumberId: input.phoneNumberId, accessToken: token, displayNumber: undefined }, verdict);
  log.info("number_signed_up", { workspaceId: actor.tenantId, numberId: number.id, phoneNumberId: input.phoneNumberId });
  return number;
}
