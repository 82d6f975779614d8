import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { db } from "./client";
import { pipelined } from "./pipelined";
import { rowsOf } from "./rows";

it("runs every statement in the one transaction and answers in the order given", async () => {
  await db().execute(sql`create table if not exists pipelined_answers (n int)`);
  const answers = await db().transaction((tx) =>
    pipelined(
      rowsOf<{ n: number }>(tx, sql`select 1 as n`),
      tx.execute(sql`insert into pipelined_answers values (7)`).then(() => "stored"),
      rowsOf<{ n: number }>(tx, sql`select 3 as n`),
    ),
  );
  expect(answers).toEqual([[{ n: 1 }], "stored", [{ n: 3 }]]);
  expect(await rowsOf(db(), sql`select n from pipelined_answers`)).toEqual([{ n: 7 }]);
});

it("throws the first failure only once every statement has answered, and the rollback leaves nothing behind", async () => {
  await db().execute(sql`create table if not exists pipelined_rollback (n int)`);
  let answered = 0;
  let answeredWhenThrown = -1;
  const count = <T>(p: Promise<T>) => p.finally(() => answered++);
  const failure = await db()
    .transaction((tx) =>
      pipelined(
        count(tx.execute(sql`insert into pipelined_rollback values (1)`)),
        count(tx.execute(sql`select 1 / 0`)),
        count(tx.execute(sql`insert into pipelined_rollback values (2)`)),
      ).catch((error: unknown) => {
        answeredWhenThrown = answered;
        throw error;
      }),
    )
    .catch((error: unknown) => error);
  expect(answeredWhenThrown).toBe(3);
  expect(String((failure as Error).cause ?? failure)).toMatch(/division by zero/);
  expect(await rowsOf(db(), sql`select * from pipelined_rollback`)).toEqual([]);
});
