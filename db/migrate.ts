import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import path from "node:path";
import postgres from "postgres";
import type { DatabaseHandle } from "./client";

export const migrationsFolder = path.join(process.cwd(), "drizzle");

/**
 * The advisory lock key every migrator takes (an arbitrary constant; "SB" "MIGR" in ASCII).
 * Advisory locks are per database, so migrating one database never waits for another.
 */
export const migrationLockKey = 0x5342_4d49_4752n;

/**
 * Applies pending migrations; a no-op on an up-to-date database.
 *
 * On Postgres, several instances starting together would each read "nothing applied yet" and
 * run the same migrations at once. Each migrator therefore opens a connection of its own, takes
 * a session advisory lock on it and migrates through it: the others wait, then find nothing left
 * to do. The lock goes with the connection, so a migrator that dies releases it. PGlite serves
 * one process at a time (`pglite-lock.ts`), so there is no one to race there.
 */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === "pglite") {
    await migratePglite(handle.db as never, { migrationsFolder });
    return;
  }
  if (!handle.url) throw new Error("A Postgres database handle must carry its url to be migrated.");
  const connection = postgres(handle.url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await connection`select pg_advisory_lock(${migrationLockKey.toString()}::bigint)`;
    await migratePostgres(drizzlePostgres(connection), { migrationsFolder });
  } finally {
    // Closing the connection ends its session, which releases the lock.
    await connection.end({ timeout: 5 });
  }
}
