import { z } from "zod";
import { databaseSettings } from "@/db/config";
import { loadOrCreateDevSecrets } from "./dev-secrets";
import { runtimePath } from "./runtime-path";
import { describeSecret, metaAppIdHint, metaConfigIdHint, smtpUrlHint, secretNames, secrets as secretForms, type SecretName } from "./secrets";

function secret(name: SecretName) {
  return z.string().refine(secretForms[name].valid, describeSecret(name)).optional();
}

/**
 * The one reader of process.env. Validated once, on first use, so `next build`
 * never needs runtime secrets; the server calls `env()` at start-up and refuses
 * to run in production when something required is missing.
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  ...databaseSettings,
  // Unset, the address this server listens on (server.ts sets PORT from --port), so links,
  // the seed's hint and the webhook URL point at it.
  APP_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  AUTH_SECRET: secret("AUTH_SECRET"),
  WHATSAPP_APP_SECRET: secret("WHATSAPP_APP_SECRET"),
  WHATSAPP_VERIFY_TOKEN: secret("WHATSAPP_VERIFY_TOKEN"),
  ENCRYPTION_KEY: secret("ENCRYPTION_KEY"),
  WHATSAPP_GRAPH_URL: z.url().default("https://graph.facebook.com"),
  WHATSAPP_GRAPH_VERSION: z.string().regex(/^v\d+\.\d+$/).default("v25.0"),
  META_APP_ID: z.string().regex(/^\d{5,32}$/, metaAppIdHint).optional(),
  META_CONFIG_ID: z.string().regex(/^\d{5,32}$/, metaConfigIdHint).optional(),
  SANDBOX_NUMBERS: z.enum(["on", "off"]).optional(),
  MEDIA_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Every log line appended to this file instead of stdout/stderr (the test suite's capture). */
  LOG_FILE: z.string().min(1).optional(),
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Days a raw webhook delivery is kept after it was processed (lib/ingest/retention.ts). */
  RAW_DELIVERY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Mails (sign-up, reset, a new confirmation link) one client address may cause per hour (lib/account/mail-throttle.ts). */
  MAIL_REQUESTS_PER_CLIENT_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(20),
  SMTP_URL: z
    .url()
    .refine((value) => /^smtps?:$/.test(new URL(value).protocol), smtpUrlHint)
    .optional(),
  MAIL_FROM: z.string().min(3).max(320).optional(),
});

/**
 * Outside production, the app id of the fake Graph API's fixtures (`subscribed-apps-get-200`):
 * against the real Graph it matches no token, so connecting a real number needs the real id.
 */
const developmentMetaAppId = "670843887433847";

/** What the browser needs to open Meta's Embedded Signup: ids only, never the app secret. */
export type EmbeddedSignupConfig = { appId: string; configId: string };

export type Env = Omit<z.infer<typeof schema>, SecretName | "APP_URL" | "MEDIA_DIR" | "META_APP_ID" | "META_CONFIG_ID" | "SANDBOX_NUMBERS" | "MAIL_FROM"> & {
  [K in SecretName]: string;
} & {
  APP_URL: string;
  MEDIA_DIR: string;
  /** The platform's Meta app: the app every connected WABA must be subscribed to. */
  META_APP_ID: string;
  /**
   * Set when the operator configured Embedded Signup (`META_CONFIG_ID` and an explicit
   * `META_APP_ID`): the numbers page then offers "Connect with Facebook".
   */
  embeddedSignup: EmbeddedSignupConfig | null;
  /** Whether numbers in the sandbox prefix may be connected without a token. */
  SANDBOX_NUMBERS: "on" | "off";
  /** The sender of every mail. */
  MAIL_FROM: string;
  /** Where development secrets were generated, when they were. */
  devSecretsFile: string | null;
};

let cached: Env | undefined;

export class EnvError extends Error {}

export function env(): Env {
  cached ??= loadEnv(process.env);
  return cached;
}

/**
 * The server entry's mode, as `next dev` and `next start` set it: before anything reads
 * the environment, and only when the operator did not choose one.
 */
export function defaultNodeEnv(mode: "development" | "production"): void {
  if (!process.env.NODE_ENV) Object.assign(process.env, { NODE_ENV: mode });
}

/** Tests change the environment between files; production never calls this. */
export function resetEnvForTests(): void {
  cached = undefined;
}

export function loadEnv(source: Record<string, string | undefined>): Env {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== "")),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new EnvError(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  const values = parsed.data;
  const dataDir = runtimePath(values.DATA_DIR);
  const missing = secretNames.filter((name) => !values[name]);
  if (values.NODE_ENV === "production") {
    // Without the app's id no number can be verified, and without a mail server nobody can verify
    // an address or reset a password; named with the secrets so one start-up says everything.
    const required: string[] = [...missing];
    const hints = missing.map((name) => `  ${name} ${describeSecret(name)}`);
    if (!values.META_APP_ID) {
      required.push("META_APP_ID");
      hints.push(`  META_APP_ID ${metaAppIdHint}`);
    }
    if (!values.SMTP_URL) {
      required.push("SMTP_URL");
      hints.push(`  SMTP_URL ${smtpUrlHint}`);
    }
    if (required.length > 0) {
      throw new EnvError(
        `Switchboard cannot start in production without ${required.join(", ")}. ` +
          `Set them in the environment (see README.md, Configuration):\n${hints.join("\n")}`,
      );
    }
  }

  // The development default app id is the fake Graph's: Facebook's real dialog would refuse it.
  if (values.META_CONFIG_ID && !values.META_APP_ID) {
    throw new EnvError(
      "META_CONFIG_ID is set but META_APP_ID is not: Embedded Signup needs both, from the same Meta app. " +
        `Set META_APP_ID (it ${metaAppIdHint}), or unset META_CONFIG_ID to connect numbers with pasted tokens only.`,
    );
  }

  let devSecretsFile: string | null = null;
  let secrets: Partial<Record<SecretName, string>> = {};
  if (missing.length > 0) {
    const generated = loadOrCreateDevSecrets(dataDir);
    devSecretsFile = generated.file;
    secrets = generated.secrets;
  }

  return {
    ...values,
    APP_URL: values.APP_URL ?? `http://localhost:${values.PORT}`,
    DATA_DIR: dataDir,
    MEDIA_DIR: values.MEDIA_DIR ? runtimePath(values.MEDIA_DIR) : runtimePath(dataDir, "media"),
    AUTH_SECRET: values.AUTH_SECRET ?? secrets.AUTH_SECRET!,
    WHATSAPP_APP_SECRET: values.WHATSAPP_APP_SECRET ?? secrets.WHATSAPP_APP_SECRET!,
    WHATSAPP_VERIFY_TOKEN: values.WHATSAPP_VERIFY_TOKEN ?? secrets.WHATSAPP_VERIFY_TOKEN!,
    ENCRYPTION_KEY: values.ENCRYPTION_KEY ?? secrets.ENCRYPTION_KEY!,
    META_APP_ID: values.META_APP_ID ?? developmentMetaAppId,
    embeddedSignup: values.META_APP_ID && values.META_CONFIG_ID ? { appId: values.META_APP_ID, configId: values.META_CONFIG_ID } : null,
    SANDBOX_NUMBERS: values.SANDBOX_NUMBERS ?? (values.NODE_ENV === "production" ? "off" : "on"),
    MAIL_FROM: values.MAIL_FROM ?? `Switchboard <no-reply@${new URL(values.APP_URL ?? "http://localhost").hostname}>`,
    devSecretsFile,
  };
}
