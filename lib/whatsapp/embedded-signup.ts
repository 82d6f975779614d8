import { z } from "zod";

/**
 * Meta's Embedded Signup (v4), the browser's side: the JavaScript SDK's address, the options
 * `FB.login` is launched with, and the `WA_EMBEDDED_SIGNUP` message Facebook's window posts to
 * ours. Sources: docs/ARCHITECTURE.md, "Embedded Signup". Safe to import from the browser.
 */

export const facebookSdkUrl = "https://connect.facebook.net/en_US/sdk.js";

/**
 * The only origins Embedded Signup's messages come from. Compared exactly: a suffix test
 * (`endsWith("facebook.com")`, as in Meta's sample) also lets `https://evilfacebook.com` in.
 */
export const facebookOrigins: readonly string[] = ["https://www.facebook.com", "https://web.facebook.com"];

/**
 * `FB.login`'s options. `response_type: "code"` with the override makes Facebook return a code
 * for the server to exchange rather than a user token; v4 is chosen by the configuration
 * (`config_id`, made from Meta's v4 template); `sessionInfoVersion: "3"` asks for the session
 * message with the WABA and phone number ids, `featureType: ""` for the default flow.
 */
export function signupLoginOptions(configId: string) {
  return {
    config_id: configId,
    response_type: "code",
    override_default_response_type: true,
    extras: { setup: {}, featureType: "", sessionInfoVersion: "3" },
  };
}

const messageSchema = z.object({
  type: z.literal("WA_EMBEDDED_SIGNUP"),
  event: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const idSchema = z.string().regex(/^\d{5,32}$/);

export type SignupMessage =
  /** The business finished, with a number: what Switchboard connects. */
  | { event: "finish"; wabaId: string; phoneNumberId: string }
  /** Finished without a number (only a WABA, or a WhatsApp Business app flow this page does not offer). */
  | { event: "finish_without_number" }
  | { event: "cancel"; step: string | null }
  | { event: "error"; message: string | null };

/**
 * The Embedded Signup message in a `message` event, or null for anything else: another
 * origin, another kind of message, or a body that is not Meta's shape. Facebook posts it as
 * JSON text; an object is read the same way.
 */
export function readSignupMessage(origin: string, data: unknown): SignupMessage | null {
  if (!facebookOrigins.includes(origin)) return null;
  let body: unknown = data;
  if (typeof data === "string") {
    try {
      body = JSON.parse(data);
    } catch {
      return null;
    }
  }
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) return null;
  const fields = parsed.data.data ?? {};
  const text = (key: string) => (typeof fields[key] === "string" ? (fields[key] as string) : null);
  switch (parsed.data.event) {
    case "FINISH": {
      const wabaId = idSchema.safeParse(fields.waba_id);
      const phoneNumberId = idSchema.safeParse(fields.phone_number_id);
      if (wabaId.success && phoneNumberId.success) return { event: "finish", wabaId: wabaId.data, phoneNumberId: phoneNumberId.data };
      return { event: "finish_without_number" };
    }
    case "FINISH_ONLY_WABA":
    case "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING":
      return { event: "finish_without_number" };
    case "CANCEL":
      return { event: "cancel", step: text("current_step") };
    case "ERROR":
      return { event: "error", message: text("error_message") };
    default:
      return null;
  }
}
