import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/**
 * `column = any($1)`: the values as one array parameter. Drizzle's `inArray` makes one
 * parameter per value, and building those for the ingest's batches (hundreds of wamids, ids
 * and phone numbers a statement) cost the server more CPU than Postgres spent running them.
 * An empty list matches nothing, as with `inArray`.
 */
export function anyOf(column: PgColumn, values: readonly string[]): SQL {
  return sql`${column} = any(${sql.param(values)}::${sql.raw(column.getSQLType())}[])`;
}
