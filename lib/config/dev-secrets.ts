import fs from "node:fs";
import { z } from "zod";
import { runtimePath } from "./runtime-path";
import { secretNames, secrets as secretTable, type SecretName } from "./secrets";

const devSecretsSchema = z.object(Object.fromEntries(secretNames.map((name) => [name, z.string()])) as Record<SecretName, z.ZodString>);

export type DevSecrets = z.infer<typeof devSecretsSchema>;

/**
 * Development only: secrets generated once and kept in the data directory, so a
 * fresh clone runs with no configuration and the simulator can sign deliveries
 * with the same app secret the server checks.
 */
export function loadOrCreateDevSecrets(dataDir: string): { file: string; secrets: DevSecrets } {
  const file = runtimePath(dataDir, "dev-secrets.json");
  if (fs.existsSync(file)) {
    return { file, secrets: devSecretsSchema.parse(JSON.parse(fs.readFileSync(file, "utf8"))) };
  }
  const secrets = Object.fromEntries(secretNames.map((name) => [name, secretTable[name].generate()])) as DevSecrets;
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // "wx": two processes starting at once must not overwrite each other's secrets.
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + "\n", { flag: "wx", mode: 0o600 });
    return { file, secrets };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return { file, secrets: devSecretsSchema.parse(JSON.parse(fs.readFileSync(file, "utf8"))) };
  }
}
