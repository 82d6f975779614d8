import { PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import fs from "node:fs";
import postgres from "postgres";
import { configFromEnv, type DatabaseConfig } from "./config";
import { lockDataDir } from "./pglite-lock";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export type DatabaseHandle = {
  db: Database;
  kind: DatabaseConfig["kind"];
  /** Postgres only: where to open a connection of one's own (the migrator holds its lock on one). */
  url?: string;
  /**
   * LISTEN on a channel; resolves to a function that stops listening. `onListen` runs each
   * time the LISTEN is (re)established: after a reconnect, notifications sent meanwhile are lost.
   */
  listen: (
    channel: string,
    onPayload: (payload: string) => void,
    onListen?: () => void,
  ) => Promise<() => Promise<void>>;
  close: () => Promise<void>;
  /** PGlite only: the data directory as a tarball, to clone a migrated database quickly. */
  dump?: () => Promise<Blob | File>;
};

export function openDatabase(config: DatabaseConfig): DatabaseHandle {
  if (config.kind === "postgres") {
    const client = postgres(config.url, {
      max: config.poolMax,
      // Unreachable Postgres: fail the request in seconds (the webhook answers 503 and Meta
      // retries) rather than after postgres.js's default 30 s.
      connect_timeout: 5,
      onnotice: () => {},
      // Dates and JSON are parsed by drizzle; keep postgres.js from doing it twice.
      connection: { application_name: "switchboard" },
    });
    return {
      db: drizzlePostgres(client, { schema }) as unknown as Database,
      kind: "postgres",
      url: config.url,
      listen: async (channel, onPayload, onListen) => {
        const sub = await client.listen(channel, onPayload, onListen);
        return () => sub.unlisten();
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const inMemory = config.dataDir.startsWith("memory://");
  const unlock = inMemory ? () => {} : lockDataDir(config.dataDir);
  if (!inMemory) fs.mkdirSync(config.dataDir, { recursive: true });
  let client: PGlite;
  try {
    client = new PGlite(config.dataDir, { extensions: { btree_gin, pg_trgm, unaccent }, loadDataDir: config.loadDataDir });
  } catch (error) {
    unlock();
    throw error;
  }
  return {
    db: drizzlePglite(client, { schema }) as unknown as Database,
    kind: "pglite",
    listen: async (channel, onPayload, onListen) => {
      const unlisten = await client.listen(channel, onPayload);
      onListen?.();
      return unlisten;
    },
    close: async () => {
      await client.close();
      unlock();
    },
    dump: () => client.dumpDataDir("none"),
  };
}

// One handle per process, kept on globalThis so dev hot reload reuses it instead of
// opening a second PGlite on the same directory. Opened on first use, never at import,
// so `next build` does not touch the database.
const holder = globalThis as typeof globalThis & { __switchboardDb?: DatabaseHandle };

export function database(): DatabaseHandle {
  holder.__switchboardDb ??= openDatabase(configFromEnv());
  return holder.__switchboardDb;
}

/** The process-wide client. Inside a transaction callback use its `tx`, never this. */
export function db(): Database {
  return database().db;
}

/** Installs a specific database as the process's own (tests, scripts). */
export function installDatabase(handle: DatabaseHandle): void {
  holder.__switchboardDb = handle;
}

export async function closeDatabase(): Promise<void> {
  const handle = holder.__switchboardDb;
  holder.__switchboardDb = undefined;
  await handle?.close();
}
