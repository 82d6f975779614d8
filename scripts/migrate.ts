import { closeDatabase } from "@/db/client";
import { log } from "@/lib/log";
import { openMigratedDatabase } from "./open-database";

const handle = await openMigratedDatabase();
log.info("migrations_applied", { database: handle.kind });
await closeDatabase();
