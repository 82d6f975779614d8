import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";

/**
 * Fresh databases for tests: a migrated template made once per run, then one cheap
 * copy per test file. On Postgres the copy is `CREATE DATABASE … TEMPLATE`; on PGlite
 * it is the template's data directory loaded into a new in-memory instance.
 */

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(serverUrl: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function createPostgresDatabase(serverUrl: string, name: string, template?: string): Promise<void> {
  await onServer(serverUrl, (sql) =>
    template ? sql.unsafe(`create database "${name}" template "${template}"`) : sql.unsafe(`create database "${name}"`),
  );
}

export async function dropPostgresDatabase(serverUrl: string, name: string): Promise<void> {
  await onServer(serverUrl, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
}

/** Drops every database whose name starts with `prefix`: a test run's template and the copies left behind. */
export async function dropPostgresDatabasesStartingWith(serverUrl: string, prefix: string): Promise<void> {
  await onServer(serverUrl, async (sql) => {
    const names = await sql<{ name: string }[]>`select datname as name from pg_database where starts_with(datname, ${prefix})`;
    for (const { name } of names) await sql.unsafe(`drop database if exists "${name}" with (force)`);
  });
}

export async function openMigratedPglite(): Promise<DatabaseHandle> {
  const handle = openDatabase({ kind: "pglite", dataDir: "memory://" });
  await migrateDatabase(handle);
  return handle;
}

export async function openPgliteFromDump(dump: Blob): Promise<DatabaseHandle> {
  return openDatabase({ kind: "pglite", dataDir: "memory://", loadDataDir: dump });
}
