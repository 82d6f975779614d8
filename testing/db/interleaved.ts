import { sql } from "drizzle-orm";
import postgres from "postgres";
import { inject } from "vitest";
import { db, openDatabase } from "@/db/client";
import type { PlatformTx } from "@/db/transactions";
import { databaseUrl } from "./databases";

/** Whether this test file runs on Postgres: only there can two transactions interleave (PGlite has one connection). */
export const onPostgres = inject("testDatabase").kind === "postgres";

/**
 * Forces an interleaving, not by timing: `held` runs in a transaction on a second connection
 * to this file's database, and while that transaction is still open `meanwhile` starts on the
 * usual one. The transaction commits once `meanwhile` has either finished or is seen waiting
 * on a lock (`pg_stat_activity`); then `meanwhile` is awaited. Says which came first, so a test
 * can also assert that `meanwhile` had to wait. Postgres only (`onPostgres`).
 */
export async function interleaved(held: (tx: PlatformTx) => Promise<unknown>, meanwhile: () => Promise<unknown>): Promise<"waiting" | "finished"> {
  const target = inject("testDatabase") as { kind: "postgres"; serverUrl: string };
  const [{ name }] = (await db().execute(sql`select current_database() as name`)) as unknown as [{ name: string }];
  const other = openDatabase({ kind: "postgres", url: databaseUrl(target.serverUrl, name), poolMax: 1 });
  const waiting = async () => {
    for (;;) {
      const [{ n }] = (await db().execute(
        sql`select count(*)::int as n from pg_stat_activity where datname = ${name} and wait_event_type = 'Lock'`,
      )) as unknown as [{ n: number }];
      if (n > 0) return "waiting" as const;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  try {
    let running!: Promise<unknown>;
    let first!: "waiting" | "finished";
    await other.db.transaction(async (tx) => {
      await held(tx as PlatformTx);
      running = meanwhile();
      first = await Promise.race([running.then(() => "finished" as const), waiting()]);
    });
    await running;
    return first;
  } finally {
    await other.close();
  }
}

/**
 * Runs `during` while `table` is locked (ACCESS EXCLUSIVE) from a connection of its own, then
 * lets the lock go: statements of ours that touch the table wait meanwhile, so a test can line
 * them up or look at what happens before any of them gets through. `waiting()` counts our
 * connections waiting on a lock. What `during` returns is handed back once the lock is gone
 * (wrap a promise that needs the table in an object, or it would wait for itself). Postgres only.
 */
export async function whileTableLocked<T>(table: string, during: (waiting: () => Promise<number>) => Promise<T>): Promise<T> {
  const target = inject("testDatabase") as { kind: "postgres"; serverUrl: string };
  const [{ name }] = (await db().execute(sql`select current_database() as name`)) as unknown as [{ name: string }];
  const blocker = postgres(databaseUrl(target.serverUrl, name), { max: 2, onnotice: () => {} });
  try {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = blocker.begin(async (tx) => {
      await tx.unsafe(`lock table ${table} in access exclusive mode`);
      locked();
      await released;
    });
    await isLocked;
    const waiting = async () => {
      const [row] = await blocker<{ waiting: number }[]>`select count(*)::int as waiting from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and application_name = 'switchboard'`;
      return row!.waiting;
    };
    try {
      return await during(waiting);
    } finally {
      release();
      await holding;
    }
  } finally {
    await blocker.end({ timeout: 5 });
  }
}
