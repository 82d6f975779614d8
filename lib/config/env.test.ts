import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { EnvError, loadEnv } from "./env";

const secrets = {
  AUTH_SECRET: "an-auth-secret-of-a-decent-length-000",
  WHATSAPP_APP_SECRET: "an-app-secret-0000000000000000",
  WHATSAPP_VERIFY_TOKEN: "a-verify-token-000000000000",
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  META_APP_ID: "670843887433847",
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
    "without AUTH_SECRET, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, ENCRYPTION_KEY, META_APP_ID.",
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
