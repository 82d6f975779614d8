import { sql } from "drizzle-orm";
import fs from "node:fs";
import path from "node:path";
import { afterAll, inject } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";
import { closeDatabase, installDatabase, openDatabase } from "@/db/client";
import { createPostgresDatabase, databaseUrl, dropPostgresDatabase, openPgliteFromDump, uniqueName } from "./databases";

/**
 * Before every test file: its own data directory (dev secrets, media) and its own
 * fresh, migrated database installed as the process's database. Dropped afterwards; in a file
 * whose every test is skipped Vitest runs no hook, and the run's end removes them
 * (testing/db/global-setup.ts).
 */
const dataDir = fs.mkdtempSync(path.join(inject("testRunDir"), "data-"));
process.env.DATA_DIR = dataDir;
process.env.LOG_LEVEL ??= "warn";
resetEnvForTests();

const target = inject("testDatabase");
let drop: () => Promise<void> = async () => {};

if (target.kind === "postgres") {
  const name = uniqueName(target.template);
  await createPostgresDatabase(target.serverUrl, name, target.template);
  installDatabase(openDatabase({ kind: "postgres", url: databaseUrl(target.serverUrl, name), poolMax: 10 }));
  drop = () => dropPostgresDatabase(target.serverUrl, name);
} else {
  const dump = new Blob([fs.readFileSync(target.dumpFile)]);
  const handle = await openPgliteFromDump(dump);
  // PGlite starts lazily; start it here so no test's own time includes loading the dump.
  await handle.db.execute(sql`select 1`);
  installDatabase(handle);
}

afterAll(async () => {
  await closeDatabase();
  await drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
