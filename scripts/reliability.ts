import { undoAll } from "./reliability/cleanup";
import { crash } from "./reliability/crash";
import { outage } from "./reliability/outage";
import type { Report } from "./reliability/report";
import { twoInstances } from "./reliability/two-instances";

const usage = `Fault suites against the production build (run \`npm run build\` first) on a private,
throwaway Postgres cluster (initdb from PG_BIN, default /usr/lib/postgresql/15/bin).

  npm run reliability -- outage          b. Postgres stopped mid-load and started again
  npm run reliability -- crash           c. kill -9 of the server mid-load and mid-batch, then a restart
  npm run reliability -- two-instances   e. two servers, one Postgres: events and sessions cross, one backlog applied once
  npm run reliability -- all

Each prints PASS or FAIL with its counts; the exit code is non-zero if any failed.`;

const suites: Record<string, () => Promise<Report>> = { outage, crash, "two-instances": twoInstances };
const asked = process.argv[2];
const chosen = asked === "all" ? Object.keys(suites) : asked && asked in suites ? [asked] : [];
if (chosen.length === 0) {
  console.log(usage);
  process.exit(asked === "--help" || asked === "-h" ? 0 : 1);
}

// Interrupted: still stop the servers and the private cluster.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void undoAll().finally(() => process.exit(130)));
}

let failed = 0;
for (const name of chosen) {
  const started = performance.now();
  let report: Report | undefined;
  try {
    report = await suites[name]!();
  } catch (error) {
    console.log(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await undoAll();
  }
  report?.print();
  console.log(`       (${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (!report?.passed) failed++;
}
process.exit(failed > 0 ? 1 : 0);
