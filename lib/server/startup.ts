import { database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { env } from "@/lib/config/env";
import { log } from "@/lib/log";
import { startBackgroundJobs } from "./background-jobs";

/**
 * Runs once per server process (instrumentation.ts). A server that cannot read its
 * configuration or migrate its database must not serve: it says why and exits.
 */
export async function startServer(): Promise<void> {
  try {
    await start();
  } catch (error) {
    log.error("server_start_failed", { error });
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

async function start(): Promise<void> {
  const config = env();
  if (config.devSecretsFile) {
    log.info("dev_secrets", {
      file: config.devSecretsFile,
      note: "development secrets (webhook app secret, verify token, encryption key) are kept here",
    });
  }
  const handle = database();
  await migrateDatabase(handle);
  // Delivery retries, template sync, number re-checks and login-attempt pruning (lib/jobs).
  await startBackgroundJobs(handle);
  log.info("server_started", { database: handle.kind, dataDir: handle.kind === "pglite" ? config.DATA_DIR : undefined });
}
