import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { database, installDatabase, type Database } from "@/db/client";
import * as schema from "@/db/schema";
import { deliver } from "@/lib/webhook/testing";

/**
 * Every statement one delivery sends to Postgres, BEGIN and COMMIT included (postgres.js
 * reports each to `debug`): each is a round trip, and at a few hundred deliveries a
 * second round trips are what the ingest costs.
 */
export async function statementsOf(url: string, body: Buffer): Promise<string[]> {
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
  try {
    const answer = await deliver(body);
    if (answer.status !== 200) throw new Error(`the delivery was answered ${answer.status}: ${answer.body}`);
  } finally {
    installDatabase(previous);
    await client.end({ timeout: 5 });
  }
  return statements;
}
