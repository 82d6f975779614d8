/**
 * `npm run bench:embedded-vacuum`: what the embedded database's vacuum (db/embedded-vacuum.ts)
 * keeps off the disk, and what it costs.
 *
 * The same life twice, each on a fresh embedded database in memory: rounds in which a number
 * receives `--per-round` single-message deliveries from 300 customers, stored as the webhook
 * stores them and drained by the ingest pipeline, after which retention deletes the previous
 * round's deliveries (as many go as come, as after the 30 days retention keeps them):
 *   unvacuumed   nothing vacuums (the embedded database before the vacuum; the baseline);
 *   vacuumed     the vacuum job runs after each round, as it does every minute.
 * Printed per round: the drain's time, the vacuum's, and the database's size; then the sizes and
 * times against the baseline, and what one whole-database freeze took. See docs/PERFORMANCE.md
 * ("the embedded database never vacuumed").
 *
 *   npm run bench:embedded-vacuum [-- --rounds 6] [--per-round 5000] [--vacuumed-first]
 *
 * The baseline runs first unless `--vacuumed-first`: the first life also warms the process up.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "6" },
    "per-round": { type: "string", default: "5000" },
    "vacuumed-first": { type: "boolean", default: false },
  },
});
const rounds = Number(args.rounds);
const perRound = Number(args["per-round"]);
if (!(Number.isInteger(rounds) && rounds > 1 && Number.isInteger(perRound) && perRound > 0)) {
  console.error("--rounds (at least 2) and --per-round must be positive integers.");
  process.exit(1);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-bench-vacuum-"));
Object.assign(process.env, { DATA_DIR: dataDir, LOG_LEVEL: "error" });

const { closeDatabase, db, installDatabase } = await import("@/db/client");
const { rowsOf } = await import("@/db/rows");
const { vacuumEmbedded } = await import("@/db/embedded-vacuum");
const { analyzeQueues } = await import("@/db/queue-analysis");
const { openMigratedPglite } = await import("@/testing/db/databases");
const { createTestNumber, createTestWorkspace } = await import("@/testing/db/factories");
const { simulatedTextDelivery } = await import("@/testing/simulated-delivery");
const { storeDelivery } = await import("@/lib/ingest/deliveries");
const { processIngestUntilIdle } = await import("@/lib/ingest/jobs");
const { describeMachineWith } = await import("./machine");
const { sql } = await import("drizzle-orm");

const number = "190000000000001";
const megabytes = (bytes: number) => (bytes / 1048576).toFixed(1);

async function databaseBytes(): Promise<number> {
  const [row] = await rowsOf<{ bytes: number }>(db(), sql`select pg_database_size(current_database())::float8 as bytes`);
  return row!.bytes;
}

type Life = { drainMs: number; vacuumMs: number; bytes: number[] };

/** Whether the machine and the database were printed: by the first life, from its own database. */
let described = false;

async function live(vacuumed: boolean): Promise<Life> {
  const handle = await openMigratedPglite();
  installDatabase(handle);
  if (!described) {
    const [version] = await rowsOf<{ version: string }>(handle.db, sql`select current_setting('server_version') as version`);
    console.log(`bench:embedded-vacuum: ${describeMachineWith(`PGlite (Postgres ${version!.version})`)}`);
    console.log(`${rounds} rounds of ${perRound} deliveries; retention deletes each round's before the next`);
    described = true;
  }
  console.log(vacuumed ? "vacuumed" : "unvacuumed (the baseline)");
  const workspaceId = (await createTestWorkspace("Vacuum bench")).id;
  await createTestNumber(workspaceId, number);
  const life: Life = { drainMs: 0, vacuumMs: 0, bytes: [] };
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let i = 0; i < perRound; i++) {
      const from = `1555${String(i % 300).padStart(7, "0")}`;
      await storeDelivery(db(), simulatedTextDelivery({ to: number, from, text: `round ${round}, message ${i}: ${"a customer's words ".repeat(5)}` }));
    }
    await processIngestUntilIdle();
    // The queues' own analysis runs every 10 seconds either way.
    await analyzeQueues(handle);
    const drained = performance.now();
    await db().execute(sql`delete from webhook_deliveries where raw_body not like ${`%"round ${round}, message%`}`);
    const vacuum = vacuumed ? await vacuumEmbedded(handle) : null;
    const vacuumMs = performance.now() - drained;
    life.drainMs += drained - started;
    if (vacuumed) life.vacuumMs += vacuumMs;
    life.bytes.push(await databaseBytes());
    console.log(
      `  round ${round + 1}: drained ${perRound} in ${Math.round(drained - started)} ms` +
        (vacuum ? `, vacuumed ${vacuum.vacuumed.length} tables and analyzed ${vacuum.analyzed.length} in ${Math.round(vacuumMs)} ms` : "") +
        `, database ${megabytes(life.bytes.at(-1)!)} MB`,
    );
  }
  if (vacuumed) {
    const started = performance.now();
    await vacuumEmbedded(handle, { freezeMaxAge: 0 });
    console.log(`  one whole-database freeze: ${Math.round(performance.now() - started)} ms`);
  }
  await closeDatabase();
  return life;
}

const lives: Partial<Record<"unvacuumed" | "vacuumed", Life>> = {};
for (const name of args["vacuumed-first"] ? (["vacuumed", "unvacuumed"] as const) : (["unvacuumed", "vacuumed"] as const)) {
  lives[name] = await live(name === "vacuumed");
}
const { unvacuumed, vacuumed } = lives as Record<"unvacuumed" | "vacuumed", Life>;
const growth = (life: Life) => life.bytes.at(-1)! - life.bytes[0]!;
console.log(
  `database after the last round: ${megabytes(vacuumed.bytes.at(-1)!)} MB vacuumed, ${megabytes(unvacuumed.bytes.at(-1)!)} MB unvacuumed (${(vacuumed.bytes.at(-1)! / unvacuumed.bytes.at(-1)!).toFixed(2)}×)`,
);
console.log(`growth after the first round: ${megabytes(growth(vacuumed))} MB vacuumed, ${megabytes(growth(unvacuumed))} MB unvacuumed`);
console.log(`drain time: ${(vacuumed.drainMs / unvacuumed.drainMs).toFixed(2)}× the baseline's; the vacuums took ${Math.round(vacuumed.vacuumMs)} ms in all (${((100 * vacuumed.vacuumMs) / vacuumed.drainMs).toFixed(1)} % of the drains)`);
fs.rmSync(dataDir, { recursive: true, force: true });
