import type { SQL } from "drizzle-orm";
import type { Database, Tx } from "./client";

/**
 * The rows of a raw statement, whichever driver ran it (postgres.js answers an array, PGlite
 * an object holding one). Select only text, numbers and booleans here: the drivers disagree
 * on how they hand back dates and JSON, which the query builder otherwise smooths over.
 */
export async function rowsOf<T>(tx: Database | Tx, query: SQL): Promise<T[]> {
  const result = (await tx.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}
