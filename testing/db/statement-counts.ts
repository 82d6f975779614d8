import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { rowsOf } from "@/db/rows";

/**
 * How many statements tried to insert into `table` while `work` ran, refused or rolled back
 * included: what a batch's transactions tried, where row counts show only what committed. A
 * sequence counts them, since its increments outlive the transactions that roll back. Counts
 * every connection's statements, so nothing else may write `table` meanwhile.
 */
export function insertsWhile(table: CountedTable, work: () => Promise<unknown>): Promise<number> {
  return statementsWhile("insert", table, work);
}

/** The same for statements updating `table`, those that found no row to update included: a claim that came back empty. */
export function updatesWhile(table: CountedTable, work: () => Promise<unknown>): Promise<number> {
  return statementsWhile("update", table, work);
}

/** The same for statements deleting from `table`, those that found no row included. */
export function deletesWhile(table: CountedTable, work: () => Promise<unknown>): Promise<number> {
  return statementsWhile("delete", table, work);
}

type CountedTable = "ingest_items" | "messages" | "jobs";

async function statementsWhile(event: "insert" | "update" | "delete", table: CountedTable, work: () => Promise<unknown>): Promise<number> {
  const name = `test_count_${randomBytes(6).toString("hex")}`;
  await db().execute(sql.raw(`create sequence ${name}`));
  // The trigger runs as whoever writes: the tenant role, in a workspace's transaction.
  await db().execute(sql.raw(`grant usage on sequence ${name} to switchboard_tenant`));
  await db().execute(sql.raw(`create function ${name}() returns trigger language plpgsql as $fn$ begin perform nextval('${name}'); return null; end $fn$`));
  await db().execute(sql.raw(`create trigger ${name} before ${event} on ${table} for each statement execute function ${name}()`));
  try {
    await work();
    const [row] = await rowsOf<{ n: number }>(db(), sql.raw(`select case when is_called then last_value else 0 end::int as n from ${name}`));
    return row!.n;
  } finally {
    await db().execute(sql.raw(`drop trigger if exists ${name} on ${table}`));
    await db().execute(sql.raw(`drop function if exists ${name}()`));
    await db().execute(sql.raw(`drop sequence if exists ${name}`));
  }
}
