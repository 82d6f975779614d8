import { sql } from "drizzle-orm";
import { database, db, type Database } from "@/db/client";

const emptyBody = '{"object":"whatsapp_business_account","entry":[]}';

/**
 * Runs `change` in a transaction. On Postgres its counts reach the statistics views as it ends,
 * as a busy connection's do within a second (an idle one's can wait 10 s); the embedded
 * database's one session is left to report them when `analyzeQueues` asks it to.
 */
function counted(change: (tx: Database) => Promise<unknown>): Promise<void> {
  return db().transaction(async (tx) => {
    await change(tx as unknown as Database);
    if (database().kind === "postgres") await tx.execute(sql`select pg_stat_force_next_flush()`);
  });
}

/**
 * Stores `count` deliveries as the webhook does, then marks them processed as their split does:
 * each leaves a dead row, and its entry in the index of waiting deliveries, behind.
 */
export function processedDeliveries(count: number, tag: string): Promise<void> {
  return counted(async (tx) => {
    await tx.execute(sql`insert into webhook_deliveries (raw_body, body_sha256) select ${emptyBody}, ${tag} || n from generate_series(1, ${count}) as n`);
    await tx.execute(sql`update webhook_deliveries set state = 'processed', processed_at = now() where body_sha256 like ${tag + "%"}`);
  });
}

/** Records `count` failed sign-ins: as many changed rows in a table that is not a queue. */
export function signInsFailed(count: number, tag: string): Promise<void> {
  return counted((tx) => tx.execute(sql`insert into login_attempts (email, ip, succeeded) select ${tag} || n || '@example.test', '127.0.0.1', false from generate_series(1, ${count}) as n`));
}
