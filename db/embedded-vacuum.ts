import { sql } from "drizzle-orm";
import { database, type DatabaseHandle } from "./client";
import { tablesPastAutovacuum } from "./autovacuum-thresholds";
import { queueTables } from "./queue-analysis";
import { rowsOf } from "./rows";

/** What `vacuumEmbedded` did: the tables it vacuumed, those it analyzed, and whether it froze the whole database. */
export type EmbeddedVacuum = { vacuumed: string[]; analyzed: string[]; froze: boolean };

/**
 * In the embedded database, does what autovacuum would have done by now, by its own settings'
 * thresholds: vacuums each table whose dead rows, or rows inserted since its last vacuum, passed
 * them; analyzes each table whose rows changed past them since its last analyze, but the queues,
 * which the queue analysis samples more often and more lightly (db/queue-analysis.ts); and,
 * once the database's oldest unfrozen transaction id is older than `autovacuum_freeze_max_age`
 * (or `freezeMaxAge`, for tests), vacuums the whole database with `FREEZE`.
 * On Postgres it does nothing: there autovacuum does it, or the operator who turned it off.
 *
 * PGlite starts no background workers, so nothing vacuumed it. The room of every row deleted or
 * updated (each delivery, item and job finished, each conversation bumped, each delivery that
 * retention deleted) was never reused: the files grew for as long as the server ran, retention or
 * not (docs/PERFORMANCE.md, "the embedded database never vacuumed"). And past about two billion
 * transactions without a freeze, Postgres refuses every write to protect its data. Nor was any
 * table but the queues ever analyzed: without statistics, a search for a common word in a
 * workspace of 100,000 messages took 1.0 s, and 7 ms analyzed (docs/PERFORMANCE.md, "never
 * analyzed either").
 */
export async function vacuumEmbedded(handle: DatabaseHandle = database(), options: { freezeMaxAge?: number } = {}): Promise<EmbeddedVacuum> {
  if (handle.kind !== "pglite") return { vacuumed: [], analyzed: [], froze: false };
  const { db } = handle;
  const freezeMaxAge = options.freezeMaxAge ?? sql`current_setting('autovacuum_freeze_max_age')::int8`;
  const [age] = await rowsOf<{ old: boolean }>(db, sql`select age(datfrozenxid) > ${freezeMaxAge} as old from pg_database where datname = current_database()`);
  if (age!.old) {
    // Every table, the catalogs' too: only that moves the database's oldest transaction id on.
    await db.execute(sql`vacuum (freeze)`);
    return { vacuumed: [], analyzed: [], froze: true };
  }
  const vacuumed = await tablesPastAutovacuum(handle, ["vacuum", "vacuum_insert"]);
  for (const name of vacuumed) await db.execute(sql`vacuum public.${sql.identifier(name)}`);
  const analyzed = (await tablesPastAutovacuum(handle, ["analyze"])).filter((name) => !queueTables.includes(name));
  for (const name of analyzed) await db.execute(sql`analyze public.${sql.identifier(name)}`);
  return { vacuumed, analyzed, froze: false };
}

/** Every minute. */
export const embeddedVacuum = { name: "embedded-vacuum", everySeconds: 60, run: () => vacuumEmbedded() };
