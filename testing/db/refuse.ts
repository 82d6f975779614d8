import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";

/**
 * A fault of the database's own for chosen rows: from now until the returned function is called,
 * Postgres refuses (raises `reason`) every row inserted into `table` whose values, as text, hold
 * `marker`. What a value Postgres cannot store does to one item, without breaking our code to
 * make it happen. Each call has its own trigger, so test files sharing a database do not meet.
 */
export async function refuseRows(table: "ingest_items" | "messages", marker: string, reason = `refused: ${marker}`): Promise<() => Promise<void>> {
  const name = `test_refuse_${randomBytes(6).toString("hex")}`;
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  await db().execute(
    sql.raw(`create function ${name}() returns trigger language plpgsql as $fn$
      begin
        if row_to_json(new)::text like ${literal(`%${marker}%`)} then raise exception '%', ${literal(reason)}; end if;
        return new;
      end $fn$`),
  );
  await db().execute(sql.raw(`create trigger ${name} before insert on ${table} for each row execute function ${name}()`));
  return async () => {
    await db().execute(sql.raw(`drop trigger if exists ${name} on ${table}`));
    await db().execute(sql.raw(`drop function if exists ${name}()`));
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
