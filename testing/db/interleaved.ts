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
export function whileTableLocked<T>(table: string, during: (waiting: () => Promise<number>) => Promise<T>): Promise<T> {
  return whileHolding(`lock table ${table} in access exclusive mode`, during);
}

/**
 * Runs `during` while transactions of ours that insert into `table` cannot commit: a deferred
 * constraint trigger, there only meanwhile, makes each commit wait for an advisory lock a
 * connection of its own holds. Everything before the commit runs, so a test can put work of
 * its own between a transaction's last statement and its commit, the one gap no statement
 * can be made to wait in. `waiting()` and what is handed back are as for `whileTableLocked`.
 * Postgres only.
 */
export async function whileCommitsHeld<T>(table: string, during: (waiting: () => Promise<number>) => Promise<T>): Promise<T> {
  await db().execute(
    sql.raw(`create function commit_held() returns trigger language plpgsql as $fn$
      begin perform pg_advisory_xact_lock_shared(${commitHeldKey}); return null; end $fn$`),
  );
  await db().execute(
    sql.raw(`create constraint trigger commit_held after insert on ${table} deferrable initially deferred for each row execute function commit_held()`),
  );
  try {
    return await whileHolding(`select pg_advisory_xact_lock(${commitHeldKey})`, during);
  } finally {
    await db().execute(sql.raw(`drop trigger commit_held on ${table}`));
    await db().execute(sql`drop function commit_held()`);
  }
}

const commitHeldKey = 7_461_020;

/** Runs `during` while a transaction of a connection of its own holds what `statement` takes. */
async function whileHolding<T>(statement: string, during: (waiting: () => Promise<number>) => Promise<T>): Promise<T> {
  const target = inject("testDatabase") as { kind: "postgres"; serverUrl: string };
  const [{ name }] = (await db().execute(sql`select current_database() as name`)) as unknown as [{ name: string }];
  const blocker = postgres(databaseUrl(target.serverUrl, name), { max: 2, onnotice: () => {} });
  try {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => (held = resolve));
    const holding = blocker.begin(async (tx) => {
      await tx.unsafe(statement);
      held();
      await released;
    });
    await isHeld;
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
