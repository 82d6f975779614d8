import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "./client";
import { rowsOf } from "./rows";

/** Autovacuum's triggers, each the count of `pg_stat_user_tables` it reads. */
const counts = { analyze: "n_mod_since_analyze", vacuum: "n_dead_tup", vacuum_insert: "n_ins_since_vacuum" } as const;

export type AutovacuumTrigger = keyof typeof counts;

/**
 * The public tables (among `only`, when given) that autovacuum would now analyze or vacuum for
 * any of `triggers`: whose count passed `autovacuum_<trigger>_threshold` plus
 * `autovacuum_<trigger>_scale_factor` times the table's rows, by this server's own settings.
 * Sorted by name.
 */
export async function tablesPastAutovacuum(handle: DatabaseHandle, triggers: AutovacuumTrigger[], only?: string[]): Promise<string[]> {
  // The embedded database's one session never idles, so its counts reach the statistics views
  // only when asked.
  if (handle.kind === "pglite") await handle.db.execute(sql`select pg_stat_force_next_flush()`);
  const past = triggers.map((trigger) =>
    sql.raw(
      `s.${counts[trigger]} > current_setting('autovacuum_${trigger}_threshold')::float8 + current_setting('autovacuum_${trigger}_scale_factor')::float8 * greatest(c.reltuples, 0)`,
    ),
  );
  const rows = await rowsOf<{ name: string }>(
    handle.db,
    sql`select s.relname as name
    from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where s.schemaname = 'public'
      ${only ? sql`and s.relname in (${sql.join(only.map((name) => sql`${name}`), sql`, `)})` : sql``}
      and (${sql.join(past, sql` or `)})
    order by s.relname`,
  );
  return rows.map(({ name }) => name);
}
