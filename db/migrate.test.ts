import { sql } from "drizzle-orm";
import fs from "node:fs";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { inject } from "vitest";
import { openDatabase, type DatabaseHandle } from "./client";
import { migrateDatabase, migrationsFolder } from "./migrate";
import { createPostgresDatabase, databaseUrl, dropPostgresDatabase, uniqueName } from "@/testing/db/databases";

const target = inject("testDatabase");
let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A database with nothing in it, of the same kind the suite runs on. */
async function emptyDatabase(): Promise<DatabaseHandle> {
  if (target.kind === "postgres") {
    const name = uniqueName("sb_empty");
    await createPostgresDatabase(target.serverUrl, name);
    const handle = openDatabase({ kind: "postgres", url: databaseUrl(target.serverUrl, name), poolMax: 2 });
    cleanup = async () => {
      await handle.close();
      await dropPostgresDatabase(target.serverUrl, name);
    };
    return handle;
  }
  const handle = openDatabase({ kind: "pglite", dataDir: "memory://" });
  cleanup = () => handle.close();
  return handle;
}

async function count(handle: DatabaseHandle, query: ReturnType<typeof sql>): Promise<number> {
  const result = await handle.db.execute(query);
  const list = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
  return Number(list[0]!.n);
}

const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta/_journal.json"), "utf8")) as {
  entries: unknown[];
};

it("applies every migration to an empty database, then changes nothing when run again", async () => {
  const handle = await emptyDatabase();
  await migrateDatabase(handle);
  const applied = await count(handle, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  expect(applied).toBe(journal.entries.length);
  const tables = await count(
    handle,
    sql`select count(*)::int as n from pg_tables where schemaname = 'public' and tablename in ('messages', 'conversations', 'contacts')`,
  );
  expect(tables).toBe(3);

  await migrateDatabase(handle);
  expect(await count(handle, sql`select count(*)::int as n from drizzle.__drizzle_migrations`)).toBe(applied);
});
