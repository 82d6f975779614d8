import { sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { database, db } from "@/db/client";
import { vacuumEmbedded } from "@/db/embedded-vacuum";
import { rowsOf } from "@/db/rows";
import { withTenant } from "@/db/tenant";
import { createTestMember, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { generateInboxDataset } from "@/testing/db/inbox-dataset";
import { searchInbox, searchInput } from "./search";

const embedded = database().kind === "pglite";

/**
 * Runs a search as an agent would, and counts the rows and index entries it read to answer, in
 * every table and index of ours: its transaction's own statistics.
 */
function searchCountingRowsRead(tenantId: string, query: string) {
  return withTenant(tenantId, async (tx) => {
    const read = async () =>
      (
        await rowsOf<{ n: number }>(
          tx,
          sql`select sum(pg_stat_get_xact_tuples_returned(oid) + pg_stat_get_xact_tuples_fetched(oid))::int as n from pg_class where relnamespace = 'public'::regnamespace`,
        )
      )[0]!.n;
    const before = await read();
    const found = await searchInbox({ tx, actor: { tenantId, userId: randomUUID(), role: "agent" } }, searchInput.parse({ query }));
    return { found: found.messages.length, read: (await read()) - before };
  });
}

// Autovacuum analyzes a Postgres's tables; the embedded database has no autovacuum, and its
// maintenance job (db/embedded-vacuum.ts) is what gives the planner statistics there.
it.runIf(embedded)("searches a large embedded workspace through the matches it shows, once the embedded database's maintenance ran", async () => {
  const workspace = await createTestWorkspace("Search statistics");
  const agent = await createTestMember(workspace.id, "agent", "Ana Agent");
  const number = await createTestNumber(workspace.id, "110000000000091");
  await db().transaction((tx) =>
    generateInboxDataset(tx, { tenantId: workspace.id, numberIds: [number.id], memberIds: [agent.id], conversations: 500, messagesPerConversation: 10, seed: 91 }),
  );
  // As the job does every minute.
  await vacuumEmbedded();

  const { found, read } = await searchCountingRowsRead(workspace.id, "pedido");
  expect(found).toBe(20);
  // Fewer than the workspace's 5,000 messages: 1,399 here. Without statistics the planner read
  // 14,042 (and took 1.0 s a search in a workspace of 100,000 messages, docs/PERFORMANCE.md).
  expect(read).toBeLessThan(5000);
});
