import { database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { env } from "@/lib/config/env";
import { startDeliveryRetries } from "@/lib/inbox/ingest/retry";
import { log } from "@/lib/log";

/** Runs once per server process (instrumentation.ts): config, migrations, background work. */
export async function startServer(): Promise<void> {
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
  log.info("server_started", { database: handle.kind, dataDir: handle.kind === "pglite" ? config.DATA_DIR : undefined });
}
