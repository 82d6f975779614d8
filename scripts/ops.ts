import { closeDatabase, db } from "@/db/client";
import { env } from "@/lib/config/env";
import { webhookConfigurationProblems } from "@/lib/config/webhook";
import { retryPendingDeliveries } from "@/lib/inbox/ingest/retry";
import { listUnroutedNumbers } from "@/lib/inbox/ingest/unrouted";
import { jobsOverview } from "@/lib/jobs/overview";
import { openMigratedDatabase } from "./open-database";

const usage = `Platform operator commands.

  npm run ops -- unrouted   numbers Meta delivers to that no workspace owns: deliveries, first and last seen
  npm run ops -- webhook    the callback URL and verify token to register in the platform's Meta app,
                            and what in the configuration would stop Meta's deliveries
  npm run ops -- retry      re-process failed or unfinished webhook deliveries now, and replay unrouted
                            deliveries whose number has since been added to a workspace
  npm run ops -- jobs       background jobs per queue and state, and the parked ones with their errors

With the embedded database (no DATABASE_URL), stop the dev server first: PGlite serves one process.`;

const command = process.argv[2];

async function unrouted() {
  const numbers = await listUnroutedNumbers();
  if (numbers.length === 0) {
    console.log("No unrouted numbers: every delivery went to a workspace.");
    return;
  }
  console.table(
    numbers.map((n) => ({
      phone_number_id: n.phoneNumberId,
      deliveries: n.deliveries,
      first_seen: n.firstSeen.toISOString(),
      last_seen: n.lastSeen.toISOString(),
    })),
  );
  console.log("A workspace that adds one of these numbers receives its deliveries then.");
}

async function retry() {
  const report = await retryPendingDeliveries();
  console.log(
    `Retried ${report.retried} deliveries: ${report.processed} processed, ${report.failed} still failing. ` +
      `Replayed ${report.replayed} unrouted deliveries into the workspaces that now own their numbers.`,
  );
  if (report.failed > 0) {
    console.log("The errors are in webhook_deliveries.error (state = 'failed') and in the log.");
    process.exitCode = 1;
  }
}

async function jobs() {
  const overview = await jobsOverview(db());
  if (overview.counts.length === 0) console.log("No background jobs queued, running or parked.");
  else console.table(overview.counts);
  if (overview.parked.length === 0) return;
  console.log("Parked after their last attempt (a periodic job's next occurrence replaces its parked one):");
  console.table(
    overview.parked.map((j) => ({ id: j.id, queue: j.queue, attempts: j.attempts, last_failed: j.lastFailedAt?.toISOString(), error: j.lastError })),
  );
}

/** Reads only the configuration: no database, so it runs beside a server on the embedded one. */
function webhook() {
  const config = env();
  console.log(`Callback URL:  ${new URL("/api/webhooks/whatsapp", config.APP_URL).toString()}`);
  console.log(`Verify token:  ${config.WHATSAPP_VERIFY_TOKEN}`);
  console.log(`Meta app id:   ${config.META_APP_ID}`);
  console.log(`Sandbox numbers (ids starting with 999): ${config.SANDBOX_NUMBERS}`);
  console.log("Register both in the Meta app (WhatsApp → Configuration → Webhook) and subscribe the 'messages' field.");
  const problems = webhookConfigurationProblems(config);
  if (problems.length === 0) {
    console.log("Configuration: OK.");
    return;
  }
  console.log("Configuration problems:");
  for (const problem of problems) console.log(`  - ${problem}`);
  process.exitCode = 1;
}

const commands: Record<string, () => Promise<void>> = { unrouted, retry, jobs };
if (command === "webhook") {
  webhook();
  process.exit();
}
const run = command ? commands[command] : undefined;
if (!run) {
  console.log(usage);
  process.exit(command ? 1 : 0);
}

await openMigratedDatabase();
try {
  await run();
} finally {
  await closeDatabase();
}
