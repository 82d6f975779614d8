import { expect, it } from "vitest";
import { loadEnv } from "./env";
import { webhookConfigurationProblems } from "./webhook";

const secrets = {
  AUTH_SECRET: "a".repeat(40),
  WHATSAPP_APP_SECRET: "b".repeat(32),
  WHATSAPP_VERIFY_TOKEN: "c".repeat(32),
  ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
  META_APP_ID: "670843887433847",
  SMTP_URL: "smtp://mail.example.test:587",
};

it("accepts a public https APP_URL with every secret set", () => {
  const config = loadEnv({ ...secrets, NODE_ENV: "production", APP_URL: "https://inbox.example.com" });
  expect(config.SANDBOX_NUMBERS).toBe("off");
  expect(webhookConfigurationProblems(config)).toEqual([]);
});

it("names an http or local APP_URL, and sandbox numbers left on, in production", () => {
  const problems = webhookConfigurationProblems(
    loadEnv({ ...secrets, NODE_ENV: "production", APP_URL: "http://localhost:3000", SANDBOX_NUMBERS: "on" }),
  );
  expect(problems.join("\n")).toMatch(/must be https/);
  expect(problems.join("\n")).toMatch(/public address/);
  expect(problems.join("\n")).toMatch(/SANDBOX_NUMBERS is on/);
});

it("refuses to start in production without META_APP_ID", () => {
  expect(() => loadEnv({ ...secrets, META_APP_ID: undefined, NODE_ENV: "production", APP_URL: "https://inbox.example.com" })).toThrow(/META_APP_ID/);
});

it("turns sandbox numbers on by default outside production", () => {
  expect(loadEnv({ ...secrets, NODE_ENV: "development" }).SANDBOX_NUMBERS).toBe("on");
});
