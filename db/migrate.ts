import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import path from "node:path";
import type { DatabaseHandle } from "./client";

export const migrationsFolder = path.join(process.cwd(), "drizzle");

/** Applies pending migrations; a no-op on an up-to-date database. */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  // The two migrators differ only in the driver type they accept.
  const run = handle.kind === "postgres" ? migratePostgres : migratePglite;
  await run(handle.db as never, { migrationsFolder });
}
