import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { rowsOf } from "@/db/rows";

/**
 * A fault of the database's own for chosen rows: from now until the returned function is called,
 * Postgres refuses (raises `reason`) every row inserted into `table` whose values, as text, hold
 * `marker`. What a value Postgres cannot store does to one item, without breaking our code to
 * make it happen. Each call has its own trigger, so test files sharing a database do not meet.
 */
export async function refuseRows(table: "ingest_items" | "messages", marker: string, reason = `refused: ${marker}`): Promise<() => Promise<void>> {
  return (await installRefusal(table, marker, reason)).stop;
}

/**
 * The statements that tried to store a row of `table` holding `marker` while `work` ran, each
 * refused (a statement stops at its first refused row). A sequence counts them, since a
 * sequence's increments outlive the transactions that roll back.
 */
export async function refusalsWhile(table: "ingest_items" | "messages", marker: string, work: () => Promise<unknown>): Promise<number> {
  const refusal = await installRefusal(table, marker, `refused: ${marker}`);
  try {
    await work();
    return await refusal.refused();
  } finally {
    await refusal.stop();
  }
}

async function installRefusal(table: "ingest_items" | "messages", marker: string, reason: string) {
  const name = `test_refuse_${randomBytes(6).toString("hex")}`;
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  await db().execute(sql.raw(`create sequence ${name}_count`));
  // The trigger runs as whoever inserts: the tenant role, in a workspace's transaction.
  await db().execute(sql.raw(`grant usage on sequence ${name}_count to switchboard_tenant`));
  await db().execute(
    sql.raw(`create function ${name}() returns trigger language plpgsql as $fn$
      begin
        if row_to_json(new)::text like ${literal(`%${marker}%`)} then
          perform nextval('${name}_count');
          raise exception '%', ${literal(reason)};
        end if;
        return new;
      end $fn$`),
  );
  await db().execute(sql.raw(`create trigger ${name} before insert on ${table} for each row execute function ${name}()`));
  return {
    refused: async () => {
      const [row] = await rowsOf<{ n: number }>(db(), sql.raw(`select case when is_called then last_value else 0 end::int as n from ${name}_count`));
      return row!.n;
    },
    stop: async () => {
      await db().execute(sql.raw(`drop trigger if exists ${name} on ${table}`));
      await db().execute(sql.raw(`drop function if exists ${name}()`));
      await db().execute(sql.raw(`drop sequence if exists ${name}_count`));
    },
  };
}

/** `work`, while `table` refuses the rows holding `marker` (see `refuseRows`). */
export async function whileRefusing<T>(table: "ingest_items" | "messages", marker: string, work: () => Promise<T>, reason?: string): Promise<T> {
  const stop = await refuseRows(table, marker, reason);
  try {
    return await work();
  } finally {
    await stop();
  }
}
