import readline from "node:readline";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";

/**
 * A server's start-up migration, held at a barrier: connects to DATABASE_URL, prints
 * "ready", waits for a line on stdin, migrates, prints "migrated". The test that starts
 * several at once (db/migrate.test.ts) releases them together, so they race on every run
 * rather than when process start-up happens to line up.
 */
const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL must name the database to migrate.");
const handle = openDatabase({ kind: "postgres", url, poolMax: 1 });
await handle.db.execute("select 1");
console.log("ready");
const stdin = readline.createInterface({ input: process.stdin });
await new Promise<void>((resolve) => stdin.once("line", () => resolve()));
stdin.close();
try {
  await migrateDatabase(handle);
  console.log("migrated");
} finally {
  await handle.close();
}
