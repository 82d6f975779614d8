import { closeDatabase, database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { log } from "@/lib/log";

await migrateDatabase(database());
log.info("migrations_applied", { database: database().kind });
await closeDatabase();
