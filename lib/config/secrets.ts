import { randomBytes } from "node:crypto";

/**
 * Each secret the server needs: the form it must have, the command an operator runs to make
 * one (or where Meta shows it), and how development generates it. One table, so the refusal
 * at start-up, the schema and the development generator cannot disagree.
 */
export const secrets = {
  AUTH_SECRET: {
    form: "at least 32 characters",
    obtain: "generate one with `openssl rand -base64 32`",
    valid: (value: string) => value.length >= 32,
    generate: () => randomBytes(32).toString("base64url"),
  },
  WHATSAPP_APP_SECRET: {
    form: "at least 16 characters",
    obtain: "copy the App secret from your Meta app's dashboard (App settings → Basic)",
    valid: (value: string) => value.length >= 16,
    generate: () => randomBytes(32).toString("hex"),
  },
  WHATSAPP_VERIFY_TOKEN: {
    form: "at least 16 characters",
    obtain: "generate one with `openssl rand -base64 24`, and paste the same value in Meta's webhook settings",
    valid: (value: string) => value.length >= 16,
    generate: () => randomBytes(24).toString("base64url"),
  },
  ENCRYPTION_KEY: {
    form: "32 bytes, base64-encoded",
    obtain: "generate one with `openssl rand -base64 32`",
    valid: (value: string) => Buffer.from(value, "base64").length === 32,
    generate: () => randomBytes(32).toString("base64"),
  },
} as const;

export type SecretName = keyof typeof secrets;

export const secretNames = Object.keys(secrets) as SecretName[];

/** What a person reads when a secret is missing or malformed: the form it needs and how to get one. */
export function describeSecret(name: SecretName): string {
  return `must be ${secrets[name].form}; ${secrets[name].obtain}`;
}

export const metaAppIdHint = "must be your Meta app's numeric App ID, shown at the top of its dashboard";

export const smtpUrlHint =
  "must be your mail server as a URL, smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465; Switchboard sends sign-up, password reset and invitation mails through it";
export const metaConfigIdHint =
  "must be the numeric Configuration ID of your Meta app's Facebook Login for Business configuration for WhatsApp Embedded Signup";
