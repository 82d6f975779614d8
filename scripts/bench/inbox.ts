/**
 * The inbox at scale: p50/p95 of the domain functions the inbox routes call, run through
 * withTenant exactly as the routes run them, in the big workspace of a generated database
 * at 1 % and at 100 % of the data, with the growth between the two and the plan of every
 * statement they send. See docs/PERFORMANCE.md ("Inbox at scale").
 *
 * Growth compares equal work only: every query reports the rows it returned at each scale,
 * and where the two differ (a search that fills its page at 100 % but not at 1 %) the bench
 * says so and computes no growth for it.
 *
 *   npm run bench:inbox [-- --quick] [--regenerate] [--runs 200] [--warmup 20]
 *
 * It prints the commit and the machine (cores, RAM, Node, Postgres, load) first and last:
 * figures are only comparable with figures from the same machine and load.
 *
 * DATABASE_URL names the Postgres server (default postgres://postgres@127.0.0.1:5432); the
 * databases are its own (switchboard_bench_inbox_1pct, switchboard_bench_inbox_full) and are
 * kept for the next run. --quick measures 1 % only. The two scales are measured run by run
 * in turn, so that whatever else the machine is doing weighs on both alike.
 */
import type { z } from "zod";
import { parseArgs } from "node:util";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { installDatabase, type Database, type DatabaseHandle } from "@/db/client";
import * as schema from "@/db/schema";
import { databaseUrl } from "@/testing/db/databases";
import { withTenant } from "@/db/tenant";
import { listConversations, listConversationsInput } from "@/lib/inbox/conversations";
import { encodeCursor } from "@/lib/inbox/cursor";
import { searchInbox, searchInput } from "@/lib/inbox/search";
import { getThread, getThreadInput } from "@/lib/inbox/thread";
import { bigWorkspaceSlug, ensureDataset, longThreadRank, scales, type Scale } from "./inbox-data";
import { describeMachine, loadAverage } from "./machine";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    regenerate: { type: "boolean", default: false },
    runs: { type: "string", default: "200" },
    warmup: { type: "string", default: "20" },
  },
});
const runs = Number(args.runs);
const warmup = Number(args.warmup);
const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432";

const listTarget = 50;
const searchTarget = 150;

/** What one run of a case returned: the rows the user sees, and what they were. */
type Returned = { rows: number; detail: string };
type Case = { label: string; targetMs: number; run: () => Promise<Returned> };
type Timing = { p50: number; p95: number; returned: Returned };
type Captured = { query: string; params: unknown[] };
/** One scale's database, opened as the app opens it, with every statement drizzle sends captured. */
type Bench = {
  scale: Scale;
  handle: DatabaseHandle;
  client: postgres.Sql;
  captured: Captured[];
  tenantId: string;
  cases: Case[];
  timings: Map<string, Timing>;
};

const chosen: Scale[] = args.quick ? [scales.onePercent] : [scales.onePercent, scales.full];
const generation: string[] = [];
const benches: Bench[] = [];
const machineAtStart = await describeMachine(serverUrl);
console.log(`bench:inbox: ${machineAtStart}`);

try {
  for (const scale of chosen) {
    console.log(`\n##### ${scale.label}: ${scale.database}`);
    const dataset = await ensureDataset(serverUrl, scale, args.regenerate);
    const line =
      dataset.generatedSeconds === null
        ? `${scale.label}: reused the existing ${scale.database}`
        : `${scale.label}: generated ${scale.database} in ${dataset.generatedSeconds.toFixed(1)} s`;
    generation.push(line);
    console.log(line);
    benches.push(await open(scale, dataset.url));
  }
  await measure();
  for (const bench of benches) await printPlans(bench);
  report();
} finally {
  for (const bench of benches) await bench.handle.close();
}

async function open(scale: Scale, url: string): Promise<Bench> {
  const client = postgres(url, { max: 2, onnotice: () => {} });
  const captured: Captured[] = [];
  const db = drizzle(client, {
    schema,
    logger: { logQuery: (query, params) => captured.push({ query, params }) },
  }) as unknown as Database;
  const handle: DatabaseHandle = { db, kind: "postgres", listen: async () => async () => {}, close: () => client.end({ timeout: 5 }) };
  installDatabase(handle);

  const [shape] = await client<{ messages: number; conversations: number; workspaces: number }[]>`
    select (select count(*)::int from messages) as messages, (select count(*)::int from conversations) as conversations,
           (select count(*)::int from workspaces) as workspaces`;
  const [big] = await client<{ id: string; conversations: number; messages: number }[]>`
    select w.id, (select count(*)::int from conversations c where c.tenant_id = w.id) as conversations,
           (select count(*)::int from messages m where m.tenant_id = w.id) as messages
    from workspaces w where w.slug = ${bigWorkspaceSlug}`;
  console.log(
    `database: ${shape!.workspaces} workspaces, ${shape!.conversations} conversations, ${shape!.messages} messages; ` +
      `big workspace: ${big!.conversations} conversations, ${big!.messages} messages`,
  );
  const t = big!.id;
  const [me] = await client<{ id: string }[]>`
    select user_id as id from memberships m join users u on u.id = m.user_id
    where m.tenant_id = ${t} and u.email like 'agent2@%'`;
  const numbers = await client<{ id: string }[]>`select id from business_numbers where tenant_id = ${t} order by phone_number_id`;
  const userId = me!.id;
  const numberId = numbers[1]!.id;

  const actor = { tenantId: t, userId, role: "agent" as const };
  const list = (input: z.input<typeof listConversationsInput>) =>
    withTenant(t, async (tx) => {
      const rows = (await listConversations({ tx, actor }, listConversationsInput.parse(input))).conversations.length;
      return { rows, detail: `${rows} conversations` };
    });
  const firstPage = await withTenant(t, (tx) => listConversations({ tx, actor }, listConversationsInput.parse({})));
  // A page a quarter of the way down the open list: keyset paging must cost what page 2 costs.
  const [deep] = await client<{ at: string; id: string }[]>`
    select to_char(last_message_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, id from conversations
    where tenant_id = ${t} and status = 'open' order by last_message_at desc, id desc
    offset ${Math.floor(big!.conversations / 4)} limit 1`;
  const [long] = await client<{ id: string }[]>`
    select id from conversations where tenant_id = ${t} order by last_message_at desc, id desc
    offset ${longThreadRank(scale) - 1} limit 1`;
  const conversationId = long!.id;
  const threadFirst = await withTenant(t, (tx) => getThread({ tx, actor }, getThreadInput.parse({ conversationId })));
  const thread = (before?: string) =>
    withTenant(t, async (tx) => {
      const rows = (await getThread({ tx, actor }, getThreadInput.parse({ conversationId, before })))!.messages.length;
      return { rows, detail: `${rows} messages` };
    });
  const search = (query: string) =>
    withTenant(t, async (tx) => {
      const found = await searchInbox({ tx, actor }, searchInput.parse({ query }));
      const { length: conversations } = found.conversations;
      const { length: messages } = found.messages;
      return { rows: conversations + messages, detail: `${conversations} conversations, ${messages} messages` };
    });

  const cases: Case[] = [
    { label: "list: open, all (first page)", targetMs: listTarget, run: () => list({}) },
    { label: "list: open, mine", targetMs: listTarget, run: () => list({ assignee: "mine" }) },
    { label: "list: open, unassigned", targetMs: listTarget, run: () => list({ assignee: "unassigned" }) },
    { label: "list: open, by number", targetMs: listTarget, run: () => list({ businessNumberId: numberId }) },
    { label: "list: open, mine, by number", targetMs: listTarget, run: () => list({ assignee: "mine", businessNumberId: numberId }) },
    { label: "list: resolved, all", targetMs: listTarget, run: () => list({ status: "resolved" }) },
    { label: "list: resolved, mine", targetMs: listTarget, run: () => list({ status: "resolved", assignee: "mine" }) },
    { label: "list: resolved, unassigned", targetMs: listTarget, run: () => list({ status: "resolved", assignee: "unassigned" }) },
    { label: "list: resolved, by number", targetMs: listTarget, run: () => list({ status: "resolved", businessNumberId: numberId }) },
    { label: "list: next page by cursor", targetMs: listTarget, run: () => list({ cursor: firstPage.nextCursor! }) },
    { label: "list: page a quarter down (cursor)", targetMs: listTarget, run: () => list({ cursor: encodeCursor(deep!) }) },
    { label: "thread: first page", targetMs: listTarget, run: () => thread() },
    { label: "thread: older page (cursor)", targetMs: listTarget, run: () => thread(threadFirst!.olderCursor!) },
    { label: "search: common word (pedido)", targetMs: searchTarget, run: () => search("pedido") },
    { label: "search: uncommon word (licuadora)", targetMs: searchTarget, run: () => search("licuadora") },
    { label: "search: surname (núñez)", targetMs: searchTarget, run: () => search("núñez") },
    { label: "search: full name (iñaki núñez)", targetMs: searchTarget, run: () => search("iñaki núñez") },
  ];
  return { scale, handle, client, captured, tenantId: t, cases, timings: new Map() };
}

/** Each case at every scale, run by run in turn; the scale's database is the process's own meanwhile. */
async function measure() {
  const run = async (bench: Bench, index: number) => {
    installDatabase(bench.handle);
    const start = performance.now();
    const result = await bench.cases[index]!.run();
    return { elapsed: performance.now() - start, returned: result };
  };
  for (let index = 0; index < benches[0]!.cases.length; index++) {
    for (let i = 0; i < warmup; i++) for (const bench of benches) await run(bench, index);
    const times = benches.map(() => [] as number[]);
    const results: Returned[] = benches.map(() => ({ rows: 0, detail: "" }));
    for (let i = 0; i < runs; i++) {
      for (const [b, bench] of benches.entries()) {
        const { elapsed, returned } = await run(bench, index);
        times[b]!.push(elapsed);
        results[b] = returned;
      }
    }
    for (const [b, bench] of benches.entries()) {
      const sorted = times[b]!.sort((x, y) => x - y);
      const timing = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), returned: results[b]! };
      bench.timings.set(bench.cases[index]!.label, timing);
      console.log(`${bench.scale.label} · ${bench.cases[index]!.label}: p50 ${ms(timing.p50)}, p95 ${ms(timing.p95)} (${timing.returned.detail})`);
    }
  }
}

/** Every statement each case sends, run once more as the tenant and explained. */
async function printPlans(bench: Bench) {
  const notices: string[] = [];
  const explainer = postgres(databaseUrl(serverUrl, bench.scale.database), { max: 1, onnotice: (notice) => notices.push(String(notice.message)) });
  installDatabase(bench.handle);
  try {
    for (const c of bench.cases) {
      bench.captured.length = 0;
      await c.run();
      const timing = bench.timings.get(c.label)!;
      console.log(`\n=== ${bench.scale.label} · ${c.label}: p50 ${ms(timing.p50)}, p95 ${ms(timing.p95)} (${timing.returned.detail})`);
      for (const statement of bench.captured.filter((s) => !s.query.includes("set_config"))) {
        notices.length = 0;
        await explainAsTenant(explainer, bench.tenantId, statement.query, statement.params);
        for (const notice of notices.filter(isPlanWorthShowing)) console.log(indent(notice));
      }
    }
  } finally {
    await explainer.end({ timeout: 5 });
  }
}

/**
 * Runs the statement once as the tenant role, under row-level security, with auto_explain
 * reporting each plan (ANALYZE, BUFFERS) as a notice: the statement's own, and those of the
 * statements inside the search functions, which a plain EXPLAIN shows as one Function Scan.
 */
async function explainAsTenant(explainer: postgres.Sql, tenantId: string, query: string, params: unknown[]) {
  await explainer.begin(async (tx) => {
    await tx`load 'auto_explain'`;
    await tx`select set_config('auto_explain.log_min_duration', '0', true), set_config('auto_explain.log_analyze', 'on', true),
                    set_config('auto_explain.log_buffers', 'on', true), set_config('auto_explain.log_timing', 'on', true),
                    set_config('auto_explain.log_nested_statements', 'on', true), set_config('auto_explain.log_level', 'notice', true)`;
    await tx`select set_config('app.tenant_id', ${tenantId}, true), set_config('role', 'switchboard_tenant', true)`;
    await tx.unsafe(query, params as never[]);
  });
}

/** Skips the tenant switch and the search functions' variable assignments. */
function isPlanWorthShowing(notice: string): boolean {
  const text = /Query Text: (.*)/.exec(notice)?.[1]?.trim() ?? "";
  return text !== "" && !text.includes("set_config(");
}

function report() {
  const [small, large] = benches;
  console.log("\n##### Inbox at scale: whole withTenant transaction, warm, big workspace\n");
  console.log(`at the start: ${machineAtStart}`);
  console.log(`load average at the end: ${loadAverage()} (1 / 5 / 15 min)`);
  console.log(`runs per query and scale: ${runs} (after ${warmup} warm-up)`);
  for (const line of generation) console.log(line);
  console.log("");
  const header = large
    ? "| query | rows 1 % / 100 % | 1 % p50 | 1 % p95 | 100 % p50 | 100 % p95 | growth p50 | growth p95 | target p95 | |"
    : "| query | rows | 1 % p50 | 1 % p95 | target p95 | |";
  console.log(header);
  console.log(header.replace(/[^|]+/g, "---"));
  const unequal: string[] = [];
  for (const c of small!.cases) {
    const a = small!.timings.get(c.label)!;
    if (!large) {
      console.log(`| ${c.label} | ${a.returned.rows} | ${ms(a.p50)} | ${ms(a.p95)} | ${c.targetMs} ms | ${a.p95 <= c.targetMs ? "ok" : "MISS"} |`);
      continue;
    }
    const b = large.timings.get(c.label)!;
    const rows = `${a.returned.rows} / ${b.returned.rows}`;
    // Growth is only meaningful between runs that returned the same rows: 5 hits against 20
    // is less work, not a faster query.
    if (a.returned.rows !== b.returned.rows) {
      unequal.push(c.label);
      const ok = b.p95 <= c.targetMs ? "ok" : "MISS";
      console.log(`| ${c.label} | ${rows} (unequal) | ${ms(a.p50)} | ${ms(a.p95)} | ${ms(b.p50)} | ${ms(b.p95)} | — | — | ${c.targetMs} ms | ${ok} |`);
      continue;
    }
    const growth50 = b.p50 / a.p50;
    const growth95 = b.p95 / a.p95;
    const ok = b.p95 <= c.targetMs && growth95 <= 2 ? "ok" : "MISS";
    console.log(
      `| ${c.label} | ${rows} | ${ms(a.p50)} | ${ms(a.p95)} | ${ms(b.p50)} | ${ms(b.p95)} | ${growth50.toFixed(2)}× | ${growth95.toFixed(2)}× | ${c.targetMs} ms | ${ok} |`,
    );
  }
  if (unequal.length > 0) {
    console.log(`\nUNEQUAL WORK, no growth computed (the two scales returned different rows): ${unequal.join("; ")}`);
  }
  console.log("\nwhat each returned:");
  for (const bench of benches) {
    for (const [label, timing] of bench.timings) console.log(`  ${bench.scale.label} · ${label}: ${timing.returned.detail}`);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function indent(text: string): string {
  return text.split("\n").map((l) => `    ${l}`).join("\n");
}
