import { database, type DatabaseHandle } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { DatabaseLockedError } from "@/db/pglite-lock";

/**
 * The scripts' way in: the database, migrated. An embedded database another process holds
 * (usually the dev server) is said in one sentence with what to do, not as a stack trace.
 */
export async function openMigratedDatabase(): Promise<DatabaseHandle> {
  try {
    const handle = database();
    await migrateDatabase(handle);
    return handle;
  } catch (error) {
    if (!(error instanceof DatabaseLockedError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
