import { closeDatabase } from "@/db/client";
import { retryPendingDeliveries } from "@/lib/inbox/ingest/retry";
import { listUnroutedNumbers } from "@/lib/inbox/ingest/unrouted";
import { openMigratedDatabase } from "./open-database";

const usage = `Platform operator commands.

  npm run ops -- unrouted   numbers Meta delivers to that no workspace owns: deliveries, first and last seen
  npm run ops -- retry      re-process failed or unfinished webhook deliveries now, and replay unrouted
                            deliveries whose number has since been added to a workspace

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

const commands: Record<string, () => Promise<void>> = { unrouted, retry };
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
