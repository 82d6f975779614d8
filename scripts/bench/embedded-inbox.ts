/**
 * `npm run bench:embedded-inbox`: what an agent waits for in the inbox of a large workspace on the
 * embedded database, before and after its maintenance job (db/embedded-vacuum.ts) gives the
 * planner statistics.
 *
 * One fresh embedded database in memory: a workspace of `--conversations` conversations of 10
 * messages (testing/db/inbox-dataset.ts, the data of `npm run bench:inbox`) and four of 1,000.
 * The inbox's queries (the routes' domain functions, each in its whole `withTenant` transaction,
 * warm) are timed first as the embedded database was left before the job analyzed (every table
 * vacuumed, none analyzed: the baseline), then after one run of the job. Printed: p50 and p95 of
 * each, the ratio of the p50s, the rows each returned (the same in both, or the comparison means
 * nothing), and what the job did and took. See docs/PERFORMANCE.md ("never analyzed either").
 *
 *   npm run bench:embedded-inbox [-- --conversations 10000] [--runs 20]
 */
import type { z } from "zod";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: { conversations: { type: "string", default: "10000" }, runs: { type: "string", default: "20" } },
});
const conversations = Number(args.conversations);
const runs = Number(args.runs);
if (!(Number.isInteger(conversations) && conversations >= 100 && Number.isInteger(runs) && runs > 0)) {
  console.error("--conversations (at least 100) and --runs must be positive integers.");
  process.exit(1);
}
process.env.LOG_LEVEL = "error";

const { installDatabase } = await import("@/db/client");
const { rowsOf } = await import("@/db/rows");
const { withTenant } = await import("@/db/tenant");
const { vacuumEmbedded } = await import("@/db/embedded-vacuum");
const { openMigratedPglite } = await import("@/testing/db/databases");
const { createTestMember, createTestNumber, createTestWorkspace } = await import("@/testing/db/factories");
const { generateInboxDataset } = await import("@/testing/db/inbox-dataset");
const { listConversations, listConversationsInput } = await import("@/lib/inbox/conversations");
const { searchInbox, searchInput } = await import("@/lib/inbox/search");
const { getThread, getThreadInput } = await import("@/lib/inbox/thread");
const { describeMachineWith } = await import("./machine");
const { ms, percentile, table } = await import("./stats");
const { sql } = await import("drizzle-orm");

const handle = await openMigratedPglite();
installDatabase(handle);
const { db } = handle;
const [version] = await rowsOf<{ version: string }>(db, sql`select current_setting('server_version') as version`);
console.log(`bench:embedded-inbox: ${describeMachineWith(`PGlite (Postgres ${version!.version})`)}`);

const generationStarted = performance.now();
const workspaces: Array<{ id: string; agents: string[]; numbers: string[] }> = [];
for (let w = 0; w < 5; w++) {
  const { id } = await createTestWorkspace(`Embedded inbox ${w}`);
  const agents: string[] = [];
  for (let a = 0; a < 4; a++) agents.push((await createTestMember(id, a === 0 ? "owner" : "agent", `Agent ${a}`)).id);
  const numbers = [(await createTestNumber(id, `1910000000${w}01`)).id, (await createTestNumber(id, `1910000000${w}02`)).id];
  await db.transaction((tx) =>
    generateInboxDataset(tx, {
      tenantId: id,
      numberIds: numbers,
      memberIds: agents,
      conversations: w === 0 ? conversations : 1000,
      messagesPerConversation: 10,
      seed: 100 + w,
      longThread: w === 0 ? { rank: 30, messages: 500 } : undefined,
    }),
  );
  workspaces.push({ id, agents, numbers });
}
const [shape] = await rowsOf<{ messages: number }>(db, sql`select count(*)::int as messages from messages`);
console.log(`${conversations} conversations in the big workspace, ${shape!.messages} messages in all, generated in ${((performance.now() - generationStarted) / 1000).toFixed(1)} s`);

const big = workspaces[0]!;
const t = big.id;
const actor = { tenantId: t, userId: big.agents[1]!, role: "agent" as const };
const list = (input: z.input<typeof listConversationsInput>) =>
  withTenant(t, async (tx) => (await listConversations({ tx, actor }, listConversationsInput.parse(input))).conversations.length);
const [long] = await rowsOf<{ id: string }>(db, sql`select id from conversations where tenant_id = ${t} order by last_message_at desc, id desc offset 29 limit 1`);
const thread = () => withTenant(t, async (tx) => (await getThread({ tx, actor }, getThreadInput.parse({ conversationId: long!.id })))!.messages.length);
const search = (query: string) =>
  withTenant(t, async (tx) => {
    const found = await searchInbox({ tx, actor }, searchInput.parse({ query }));
    return found.conversations.length + found.messages.length;
  });
const cases: Array<[string, () => Promise<number>]> = [
  ["list: open, all", () => list({})],
  ["list: open, mine", () => list({ assignee: "mine" })],
  ["list: open, unassigned", () => list({ assignee: "unassigned" })],
  ["list: open, by number", () => list({ businessNumberId: big.numbers[1] })],
  ["thread: first page", thread],
  ["search: common word (pedido)", () => search("pedido")],
  ["search: uncommon word (licuadora)", () => search("licuadora")],
  ["search: surname (núñez)", () => search("núñez")],
  ["search: full name (iñaki núñez)", () => search("iñaki núñez")],
];

type Timing = { p50: number; p95: number; rows: number };
async function measure(): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (const [, run] of cases) {
    for (let i = 0; i < 3; i++) await run();
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      rows = await run();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    timings.push({ p50: percentile(times, 50), p95: percentile(times, 95), rows });
  }
  return timings;
}

// As the embedded database was before its maintenance analyzed: vacuumed, never analyzed.
await db.execute(sql`vacuum`);
const before = await measure();
const jobStarted = performance.now();
const job = await vacuumEmbedded(handle);
console.log(`the maintenance job: ${Math.round(performance.now() - jobStarted)} ms; vacuumed ${job.vacuumed.join(", ") || "nothing"}; analyzed ${job.analyzed.join(", ") || "nothing"}`);
for (const name of ["messages", "conversations", "contacts"]) {
  const started = performance.now();
  await db.execute(sql`analyze ${sql.identifier(name)}`);
  console.log(`  one analyze of ${name} alone: ${Math.round(performance.now() - started)} ms`);
}
const after = await measure();

console.log(`\n${runs} runs of each (after 3 to warm), the whole withTenant transaction, in the big workspace\n`);
console.log(
  table([
    ["query", "rows", "unanalyzed p50", "p95", "analyzed p50", "p95", "p50 analyzed / unanalyzed"],
    ...cases.map(([label], i) => {
      const [b, a] = [before[i]!, after[i]!];
      return [label, b.rows === a.rows ? String(a.rows) : `${b.rows} / ${a.rows} (unequal)`, ms(b.p50), ms(b.p95), ms(a.p50), ms(a.p95), `${(a.p50 / b.p50).toFixed(2)}×`];
    }),
  ]),
);
await handle.close();
