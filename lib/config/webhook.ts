import type { Env } from "./env";

/**
 * What would stop Meta from delivering to this server, or make its webhook unsafe, in words
 * for the operator (`npm run ops -- webhook`). Empty when nothing is wrong.
 */
export function webhookConfigurationProblems(config: Env): string[] {
  const problems: string[] = [];
  const url = new URL(config.APP_URL);
  const local = ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"].includes(url.hostname) || url.hostname.endsWith(".local");
  if (config.NODE_ENV === "production") {
    if (url.protocol !== "https:") problems.push(`APP_URL must be https in production (Meta calls only https callback URLs): ${config.APP_URL}`);
    if (local) problems.push(`APP_URL must be a public address Meta can reach, not ${url.hostname}.`);
    if (config.SANDBOX_NUMBERS === "on") problems.push("SANDBOX_NUMBERS is on: any workspace can connect token-less numbers in the 999 prefix.");
  } else if (local) {
    problems.push(`APP_URL (${config.APP_URL}) is local: Meta cannot reach it; use a tunnel and set APP_URL to its https address to receive real deliveries.`);
  }
  if (config.devSecretsFile) {
    problems.push(`The app secret and verify token are development secrets from ${config.devSecretsFile}; set WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN.`);
  }
  return problems;
}
