/**
 * Plans and timings of the inbox queries on a generated workspace at scale, on real
 * Postgres. Creates a scratch database on the DATABASE_URL server, fills it in SQL, runs
 * each domain function as the tenant role, prints p50/p95 and EXPLAIN (ANALYZE, BUFFERS)
 * of every statement it sent, then drops the database.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx scripts/explain-inbox.ts \
 *     [--conversations 100000] [--messages 10] [--others 0] [--runs 30] [--keep]
 */
import { parseArgs } from "node:util";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { installDatabase, type Database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { withPlatform } from "@/db/platform";
import * as schema from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createPostgresDatabase, databaseUrl, dropPostgresDatabase, uniqueName } from "@/db/testing/databases";
import { createTestMember, createTestNumber, createTestWorkspace } from "@/db/testing/factories";
import { generateInboxDataset } from "@/db/testing/inbox-dataset";
import { listConversations } from "@/lib/inbox/conversations";
import { searchInbox } from "@/lib/inbox/search";
import { getThread } from "@/lib/inbox/thread";

const { values: args } = parseArgs({
  options: {
    conversations: { type: "string", default: "100000" },
    messages: { type: "string", default: "10" },
    others: { type: "string", default: "0" },
    runs: { type: "string", default: "30" },
    keep: { type: "boolean", default: false },
  },
});
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error("Set DATABASE_URL to a Postgres server this script may create a scratch database on.");
  process.exit(1);
}

const name = uniqueName("sb_inbox_explain");
await createPostgresDatabase(serverUrl, name);
const url = databaseUrl(serverUrl, name);
const client = postgres(url, { max: 4, onnotice: () => {} });
let captured: Array<{ query: string; params: unknown[] }> = [];
const db = drizzle(client, {
  schema,
  logger: { logQuery: (query, params) => captured.push({ query, params }) },
}) as unknown as Database;
installDatabase({
  db,
  kind: "postgres",
  listen: async () => async () => {},
  close: () => client.end({ timeout: 5 }),
});

try {
  await migrateDatabase({ db, kind: "postgres", listen: async () => async () => {}, close: async () => {} });
  const started = Date.now();
  const big = await seedWorkspace("Big", 100, Number(args.conversations), Number(args.messages));
  for (let i = 0; i < Number(args.others); i++) await seedWorkspace(`Other ${i}`, 200 + i, 500, 10);
  await client.unsafe("vacuum analyze");
  const [counts] = await client<{ messages: string; conversations: string }[]>`
    select (select count(*) from messages) as messages, (select count(*) from conversations) as conversations`;
  console.log(`generated ${counts!.conversations} conversations, ${counts!.messages} messages in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  const t = big.tenantId;
  const first = await withTenant(t, (tx) => listConversations(tx, { tenantId: t, userId: big.me }));
  const middle = await client<{ id: string }[]>`
    select id from conversations where tenant_id = ${t} and status = 'open'
    order by last_message_at desc, id desc offset ${Math.floor(Number(args.conversations) / 3)} limit 1`;
  const conversationId = middle[0]?.id ?? first.conversations[0]!.id;
  const thread = await withTenant(t, (tx) => getThread(tx, { tenantId: t, conversationId }));
  const hit = thread!.messages[Math.floor(thread!.messages.length / 2)]!;

  const cases: Array<[string, () => Promise<unknown>]> = [
    ["list: open, all (first page)", () => withTenant(t, (tx) => listConversations(tx, { tenantId: t, userId: big.me }))],
    ["list: open, mine", () => withTenant(t, (tx) => listConversations(tx, { tenantId: t, userId: big.me, assignee: "mine" }))],
    ["list: open, unassigned", () => withTenant(t, (tx) => listConversations(tx, { tenantId: t, userId: big.me, assignee: "unassigned" }))],
    ["list: open, one number", () => withTenant(t, (tx) => listConversations(tx, { tenantId: t, userId: big.me, businessNumberId: big.numbers[1] }))],
    ["list: open, mine, one number", () => withTenant(t, (tx) => listConversations(tx, { tenantId: t, userId: big.me, assignee: "mine", businessNumberId: big.numbers[1] }))],
    ["list: resolved", () => withTenant(t, (tx) => listConversations(tx, { tenantId: t, userId: big.me, status: "resolved" }))],
    ["list: next page by cursor", () => withTenant(t, (tx) => listConversations(tx, { tenantId: t, userId: big.me, cursor: first.nextCursor! }))],
    ["thread: first page", () => withTenant(t, (tx) => getThread(tx, { tenantId: t, conversationId }))],
    ["thread: around a message", () => withTenant(t, (tx) => getThread(tx, { tenantId: t, conversationId, around: hit.id }))],
    ["search: common word (pedido)", () => withTenant(t, (tx) => searchInbox(tx, { tenantId: t, query: "pedido" }))],
    ["search: accents folded (donde esta)", () => withTenant(t, (tx) => searchInbox(tx, { tenantId: t, query: "donde esta" }))],
    ["search: rare order code", () => withTenant(t, (tx) => searchInbox(tx, { tenantId: t, query: "#4242-3" }))],
    ["search: contact name", () => withTenant(t, (tx) => searchInbox(tx, { tenantId: t, query: "iñaki núñez" }))],
    ["search: partial number", () => withTenant(t, (tx) => searchInbox(tx, { tenantId: t, query: "0004242" }))],
    ["search: no hits", () => withTenant(t, (tx) => searchInbox(tx, { tenantId: t, query: "zzqxv" }))],
  ];

  for (const [label, run] of cases) {
    await run();
    const times: number[] = [];
    for (let i = 0; i < Number(args.runs); i++) {
      captured = [];
      const start = performance.now();
      await run();
      times.push(performance.now() - start);
    }
    times.sort((x, y) => x - y);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(2);
    console.log(`=== ${label}: p50 ${pct(50)} ms, p95 ${pct(95)} ms (${times.length} runs, whole transaction)`);
    for (const statement of captured.filter((c) => !c.query.includes("set_config"))) {
      console.log(await explain(t, statement.query, statement.params));
    }
  }
} finally {
  await client.end({ timeout: 5 });
  if (args.keep) console.log(`kept database ${name}`);
  else await dropPostgresDatabase(serverUrl, name);
}

async function seedWorkspace(label: string, seed: number, conversations: number, messagesPerConversation: number) {
  const workspace = await createTestWorkspace(label);
  const numbers = [
    (await createTestNumber(workspace.id, `${seed}0000000001`, "Sales")).id,
    (await createTestNumber(workspace.id, `${seed}0000000002`, "Support")).id,
  ];
  const members: string[] = [];
  for (const who of ["Ana", "Bob", "Chen", "Dee", "Eli"]) members.push((await createTestMember(workspace.id, "agent", who)).id);
  await withPlatform((tx) =>
    generateInboxDataset(tx, { tenantId: workspace.id, numberIds: numbers, memberIds: members, conversations, messagesPerConversation, seed }),
  );
  return { tenantId: workspace.id, numbers, me: members[1]! };
}

/** EXPLAIN as the tenant role, with row-level security in force, as the app runs it. */
async function explain(tenantId: string, query: string, params: unknown[]) {
  return client.begin(async (tx) => {
    await tx`select set_config('app.tenant_id', ${tenantId}, true), set_config('role', 'switchboard_tenant', true)`;
    const rows = await tx.unsafe(`explain (analyze, buffers, costs off) ${query}`, params as never[]);
    return rows.map((r) => `  ${r["QUERY PLAN"]}`).join("\n");
  });
}
