import { sql } from "drizzle-orm";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
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

/** A migrator process held at its barrier (`testing/migrate-on-signal.ts`). */
function startMigrator(url: string) {
  const child = spawn(path.join("node_modules", ".bin", "tsx"), ["testing/migrate-on-signal.ts"], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const lines = readline.createInterface({ input: child.stdout });
  const ready = new Promise<void>((resolve) => lines.on("line", (line) => line === "ready" && resolve()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
  return { ready: Promise.race([ready, exited]), go: () => child.stdin.end("go\n"), exited };
}

it.runIf(target.kind === "postgres")(
  "lets four instances starting at once on an empty Postgres database all succeed, applying each migration once",
  async () => {
    const { serverUrl } = target as Extract<typeof target, { kind: "postgres" }>;
    const name = uniqueName("sb_race");
    await createPostgresDatabase(serverUrl, name);
    const url = databaseUrl(serverUrl, name);
    const handle = openDatabase({ kind: "postgres", url, poolMax: 1 });
    cleanup = async () => {
      await handle.close();
      await dropPostgresDatabase(serverUrl, name);
    };

    const migrators = Array.from({ length: 4 }, () => startMigrator(url));
    await Promise.all(migrators.map((m) => m.ready));
    for (const m of migrators) m.go();
    const results = await Promise.all(migrators.map((m) => m.exited));

    expect(results).toEqual(Array.from({ length: 4 }, () => ({ code: 0, stderr: "" })));
    expect(await count(handle, sql`select count(*)::int as n from drizzle.__drizzle_migrations`)).toBe(journal.entries.length);
  },
  120_000,
);
