import { createHook } from "node:async_hooks";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { database, installDatabase, type Database } from "@/db/client";
import * as schema from "@/db/schema";
import { deliver } from "@/testing/webhook";

export type DeliveryCost = { statements: string[]; promises: number };

/**
 * What one delivery costs beyond its CPU time: every statement it sends to Postgres, BEGIN
 * and COMMIT included (postgres.js reports each to `debug`: each is a round trip, and at a
 * few hundred deliveries a second round trips are what the ingest costs), and the promises
 * it creates (inside Next.js every promise also runs AsyncLocalStorage's hooks).
 */
export async function costOf(url: string, body: Buffer): Promise<DeliveryCost> {
  const statements: string[] = [];
  const client = postgres(url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, query) => statements.push(query.replace(/\s+/g, " ").trim()),
  });
  // A new connection first asks for the array types; that is not the delivery's.
  await client`select 1`;
  statements.length = 0;
  const previous = database();
  installDatabase({
    db: drizzle(client, { schema }) as unknown as Database,
    kind: "postgres",
    listen: previous.listen,
    close: () => client.end({ timeout: 5 }),
  });
  let promises = 0;
  const counter = createHook({
    init: (_id, type) => {
      if (type === "PROMISE") promises++;
    },
  });
  try {
    counter.enable();
    const answer = await deliver(body);
    if (answer.status !== 200) throw new Error(`the delivery was answered ${answer.status}: ${answer.body}`);
  } finally {
    counter.disable();
    installDatabase(previous);
    await client.end({ timeout: 5 });
  }
  return { statements, promises };
}
