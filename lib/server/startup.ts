import { database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { startLoginAttemptPruning } from "@/lib/auth/throttle";
import { env } from "@/lib/config/env";
import { startDeliveryRetries } from "@/lib/inbox/ingest/retry";
import { log } from "@/lib/log";
import { startTemplateSync } from "@/lib/templates/templates";
import { startNumberChecks } from "@/lib/workspace/numbers";

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
  // Webhook deliveries stored but not processed (a failure, or a stop mid-way): now, then every minute.
  startDeliveryRetries();
  // Approved message templates from Meta, for the composer's picker: now, then every six hours.
  startTemplateSync();
  // Whether each number's token still proves it to Meta: now, then every six hours.
  startNumberChecks();
  // Sign-in attempts past the throttle's window and a day of hindsight: now, then hourly.
  startLoginAttemptPruning();
  log.info("server_started", { database: handle.kind, dataDir: handle.kind === "pglite" ? config.DATA_DIR : undefined });
}
