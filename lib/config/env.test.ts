import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, loadEnv } from "./env";

const secrets = {
  AUTH_SECRET: "an-auth-secret-of-a-decent-length-000",
  WHATSAPP_APP_SECRET: "an-app-secret-0000000000000000",
  WHATSAPP_VERIFY_TOKEN: "a-verify-token-000000000000",
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  META_APP_ID: "670843887433847",
  SMTP_URL: "smtp://mailer:pass@mail.example.test:587",
};

it.each(Object.keys(secrets))("refuses to start in production without %s, naming it, and writes no development secrets", (name) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-env-"));
  try {
    const source = { ...secrets, [name]: undefined, NODE_ENV: "production", DATA_DIR: dataDir };
    expect(() => loadEnv(source)).toThrow(EnvError);
    expect(() => loadEnv(source)).toThrow(`Switchboard cannot start in production without ${name}.`);
    expect(() => loadEnv({ ...source, [name]: "" })).toThrow(`without ${name}.`);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

it("names every missing secret at once", () => {
  expect(() => loadEnv({ NODE_ENV: "production" })).toThrow(
    "without AUTH_SECRET, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, ENCRYPTION_KEY, META_APP_ID, SMTP_URL.",
  );
});

it("starts in production with every secret set, using them as given", () => {
  expect(loadEnv({ ...secrets, NODE_ENV: "production" })).toMatchObject({ ...secrets, devSecretsFile: null });
});

it("generates the missing secrets in development instead of refusing", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-env-"));
  try {
    const loaded = loadEnv({ NODE_ENV: "development", DATA_DIR: dataDir });
    expect(loaded.devSecretsFile).toBe(path.join(dataDir, "dev-secrets.json"));
    expect(loaded.AUTH_SECRET.length).toBeGreaterThan(0);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

const base = { NODE_ENV: "test", DATA_DIR: process.env.DATA_DIR } as const;

it("trusts no proxy unless told how many there are, and refuses a count that is not one", () => {
  expect(loadEnv(base).TRUSTED_PROXY_HOPS).toBe(0);
  expect(loadEnv({ ...base, TRUSTED_PROXY_HOPS: "2" }).TRUSTED_PROXY_HOPS).toBe(2);
  for (const bad of ["-1", "1.5", "yes"]) {
    expect(() => loadEnv({ ...base, TRUSTED_PROXY_HOPS: bad })).toThrow(EnvError);
  }
});

it("points APP_URL at the port the server listens on when none is set", () => {
  expect(loadEnv({ ...base, NODE_ENV: "development", PORT: "3650" }).APP_URL).toBe("http://localhost:3650");
  expect(loadEnv({ ...base, NODE_ENV: "development" }).APP_URL).toBe("http://localhost:3000");
  expect(loadEnv({ ...base, PORT: "3650", APP_URL: "https://inbox.example.com" }).APP_URL).toBe("https://inbox.example.com");
});

it("tells the operator, for each missing secret, the form it needs and the command that makes one", () => {
  let message = "";
  try {
    loadEnv({ NODE_ENV: "production" });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toContain("AUTH_SECRET must be at least 32 characters; generate one with `openssl rand -base64 32`");
  expect(message).toContain("WHATSAPP_APP_SECRET must be at least 16 characters; copy the App secret from your Meta app's dashboard");
  expect(message).toContain("WHATSAPP_VERIFY_TOKEN must be at least 16 characters; generate one with `openssl rand -base64 24`");
  expect(message).toContain("ENCRYPTION_KEY must be 32 bytes, base64-encoded; generate one with `openssl rand -base64 32`");
  expect(message).toContain("META_APP_ID must be your Meta app's numeric App ID");
  expect(message).toContain("SMTP_URL must be your mail server as a URL, smtp://user:password@host:587");
});

it("refuses a mail server URL that is not smtp: or smtps:, and needs none outside production", () => {
  expect(() => loadEnv({ ...base, SMTP_URL: "http://mail.example.test" })).toThrow("SMTP_URL: must be your mail server as a URL");
  expect(loadEnv({ ...base, SMTP_URL: "smtps://u:p@mail.example.test:465" }).SMTP_URL).toBe("smtps://u:p@mail.example.test:465");
  expect(loadEnv(base).SMTP_URL).toBeUndefined();
});

it.each([
  ["AUTH_SECRET", "change-me", "AUTH_SECRET: must be at least 32 characters; generate one with `openssl rand -base64 32`"],
  ["WHATSAPP_VERIFY_TOKEN", "verify", "WHATSAPP_VERIFY_TOKEN: must be at least 16 characters; generate one with `openssl rand -base64 24`"],
  ["ENCRYPTION_KEY", "not-a-key", "ENCRYPTION_KEY: must be 32 bytes, base64-encoded; generate one with `openssl rand -base64 32`"],
  ["META_APP_ID", "my-app", "META_APP_ID: must be your Meta app's numeric App ID"],
])("refuses a made-up %s in production, saying the form and how to make one", (name, value, said) => {
  expect(() => loadEnv({ ...secrets, NODE_ENV: "production", [name]: value })).toThrow(said);
});

it("a secret made by the command it names is accepted", () => {
  const made = { AUTH_SECRET: randomBytes(32).toString("base64"), ENCRYPTION_KEY: randomBytes(32).toString("base64"), WHATSAPP_VERIFY_TOKEN: randomBytes(24).toString("base64") };
  expect(loadEnv({ ...secrets, ...made, NODE_ENV: "production" })).toMatchObject(made);
});

describe("Embedded Signup", () => {
  it("is offered only when both the app id and the configuration id are set", () => {
    expect(loadEnv(base).embeddedSignup).toBeNull();
    // The development default app id is the fake Graph's; it alone does not switch Facebook's dialog on.
    expect(loadEnv({ ...base, META_APP_ID: "670843887433847" }).embeddedSignup).toBeNull();
    expect(loadEnv({ ...base, META_APP_ID: "670843887433847", META_CONFIG_ID: "1234567890123" }).embeddedSignup).toEqual({
      appId: "670843887433847",
      configId: "1234567890123",
    });
  });

  it("refuses a configuration id without the app id it belongs to, and one that is not Meta's numeric id", () => {
    expect(() => loadEnv({ ...base, META_CONFIG_ID: "1234567890123" })).toThrow("META_CONFIG_ID is set but META_APP_ID is not");
    expect(() => loadEnv({ ...base, META_APP_ID: "670843887433847", META_CONFIG_ID: "my-config" })).toThrow(
      "META_CONFIG_ID: must be the numeric Configuration ID",
    );
  });
});
