import { sql } from "drizzle-orm";
import { database, type DatabaseHandle } from "./client";
import { tablesPastAutovacuum } from "./autovacuum-thresholds";
import { rowsOf } from "./rows";

/** What `vacuumEmbedded` did: the tables it vacuumed, and whether it froze the whole database. */
export type EmbeddedVacuum = { tables: string[]; froze: boolean };

/**
 * In the embedded database, vacuums what autovacuum would have vacuumed by now, by its own
 * settings' thresholds: each table whose dead rows, or rows inserted since its last vacuum,
 * passed them; and, once the database's oldest unfrozen transaction id is older than
 * `autovacuum_freeze_max_age` (or `freezeMaxAge`, for tests), the whole database with `FREEZE`.
 * On Postgres it does nothing: there autovacuum does it, or the operator who turned it off.
 *
 * PGlite starts no background workers, so nothing vacuumed it. The room of every row deleted or
 * updated (each delivery, item and job finished, each conversation bumped, each delivery that
 * retention deleted) was never reused: the files grew for as long as the server ran, retention or
 * not (docs/PERFORMANCE.md, "the embedded database never vacuumed"). And past about two billion
 * transactions without a freeze, Postgres refuses every write to protect its data.
 */
export async function vacuumEmbedded(handle: DatabaseHandle = database(), options: { freezeMaxAge?: number } = {}): Promise<EmbeddedVacuum> {
  if (handle.kind !== "pglite") return { tables: [], froze: false };
  const { db } = handle;
  const freezeMaxAge = options.freezeMaxAge ?? sql`current_setting('autovacuum_freeze_max_age')::int8`;
  const [age] = await rowsOf<{ old: boolean }>(db, sql`select age(datfrozenxid) > ${freezeMaxAge} as old from pg_database where datname = current_database()`);
  if (age!.old) {
    // Every table, the catalogs' too: only that moves the database's oldest transaction id on.
    await db.execute(sql`vacuum (freeze)`);
    return { tables: [], froze: true };
  }
  const due = await tablesPastAutovacuum(handle, ["vacuum", "vacuum_insert"]);
  for (const name of due) await db.execute(sql`vacuum public.${sql.identifier(name)}`);
  return { tables: due, froze: false };
}

/** Every minute. */
export const embeddedVacuum = { name: "embedded-vacuum", everySeconds: 60, run: () => vacuumEmbedded() };
