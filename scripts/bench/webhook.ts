/**
 * `npm run bench:webhook`: issue 15's webhook benchmarks, measured as a black box.
 *
 * Signed deliveries go over HTTP to the production server (`npm start`'s server.ts, Next.js
 * behind it) and, as the yardstick, to the minimal floor (floor-server.ts); work is seen done
 * by counting what an inbox shows (rows in the database: inbound messages, each reported
 * status, messages at `read`) and by a signed-in client's live stream. Nothing here depends on
 * how the server stores or processes a delivery, so the same bench measures any pipeline.
 *
 * Parts (`--only a,b`): ack (deliveries/s and p99 at concurrency 32 and 4, against the floor),
 * inbound and statuses (draining a backlog, against the floor's messages/s), mixed (a status
 * storm at half the maximum ack rate: backlog over time, inbound → visible, ack → visible in
 * an open inbox, a 1,000-message and a 2.9 MB delivery, peak RSS), statements (statements
 * and transactions per item and per transaction, counted on the wire). Every part prints
 * CPU per item (server process tree and its Postgres backends, from /proc). Targets are
 * printed beside what was measured; nothing is asserted.
 *
 * Needs only a Postgres server (DATABASE_URL, default postgres://postgres@127.0.0.1:5432) on
 * which it may create and drop its own database. See docs/PERFORMANCE.md.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { closeDatabase } from "@/db/client";
import { createPostgresDatabase, databaseUrl, dropPostgresDatabase, uniqueName } from "@/testing/db/databases";
import { signBody, signatureHeaderName } from "@/lib/whatsapp/signature";
import { BenchWorkspaces, seedBroadcast, type BenchWorkspace } from "./bench-data";
import { buildDeliveries, customerWaId, inboundWamid, itemCount, textDelivery, type DeliverySpec } from "./deliveries";
import type { FromLoadGenerator, LoadMode, LoadResult, ToLoadGenerator } from "./load-generator";
import { buildProduction, buildStaleness, productionNodeFlags, sampleRss, startFloor, startNext, stopServer, treeCpuMs, waitUntilHealthy, type Server } from "./processes";
import { freePort, productionEnvDefaults } from "../support/processes";
import { signIn, openEventStream } from "./session";
import { describeMachine, loadAverage } from "./machine";
import { median, ms, percentile, table } from "./stats";
import { backendCpu, benchApplicationName, floorBackends, observer, serverBackends, waitUntilCount, type Observer } from "./observe";
import { startStatementCounter, type StatementCounts } from "./statement-counter";

const allParts = ["ack", "inbound", "statuses", "mixed", "statements"] as const;
type Part = (typeof allParts)[number];

const usage = `npm run bench:webhook -- [--scale 1] [--only ${allParts.join(",")}] [--rounds 3] [--per-delivery 50]
                              [--mixed-seconds 60] [--inbound-rate 10] [--storm-rate <n>] [--profile <dir>] [--node-flags="<flags>"]
                              [--keep-database]

  --scale          scales every size: at 1, 3,000 deliveries per ack round (1,000 at concurrency 4),
                   a backlog of 50,000 inbound messages over 100 workspaces and one of 150,000
                   statuses, 60 s of mixed load. --scale 0.02 is a smoke run of under two minutes.
  --only           the parts to run, comma-separated (default: all)
  --rounds         ack rounds per concurrency, alternating which server goes first (default 3,
                   1 below --scale 0.2)
  --per-delivery   messages or statuses per delivery in the backlogs (Meta batches up to 1,000)
  --mixed-seconds  length of the mixed load (default 60 × scale, at least 10)
  --inbound-rate   customers' messages per second during the mixed load's status storm
  --storm-rate     the status storm's deliveries per second instead of half the maximum ack rate,
                   to compare two builds at the same load
  --profile <dir>  run the servers under node --cpu-prof, profiles written to <dir> at the end
                   (npx tsx scripts/bench/profile-summary.ts <file.cpuprofile>)
  --node-flags=    Node flags for both servers instead of npm start's (package.json), after an
                   "=" since they start with dashes; --node-flags= alone means Node's defaults
  --keep-database  leave the bench's database for reading afterwards (its name is printed): each
                   item's created_at and done_at, its delivery's received_at; drop it when done

Postgres: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); the bench creates
and drops its own database switchboard_bench_webhook_* there.`;

const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "1" },
    only: { type: "string" },
    rounds: { type: "string" },
    "per-delivery": { type: "string", default: "50" },
    "mixed-seconds": { type: "string" },
    "inbound-rate": { type: "string", default: "10" },
    "storm-rate": { type: "string" },
    profile: { type: "string" },
    "node-flags": { type: "string" },
    "keep-database": { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(usage);
  process.exit(0);
}
function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(1);
}
const scale = Number(args.scale);
if (!(scale > 0 && scale <= 10)) fail("--scale must be a number above 0 (at most 10).");
const positive = (name: string, value: string | undefined, fallback: number) => {
  const parsed = Number(value ?? fallback);
  if (!Number.isInteger(parsed) || parsed < 1) fail(`--${name} must be a positive integer.`);
  return parsed;
};
const scaled = (full: number, least: number) => Math.max(least, Math.round(full * scale));
const sizes = {
  ackN: scaled(3000, 200),
  ack4N: scaled(1000, 100),
  rounds: positive("rounds", args.rounds, scale >= 0.2 ? 3 : 1),
  workspaces: scaled(100, 2),
  backlogMessages: scaled(50_000, 500),
  backlogStatuses: scaled(150_000, 1500),
  perDelivery: positive("per-delivery", args["per-delivery"], 50),
  mixedSeconds: positive("mixed-seconds", args["mixed-seconds"], scaled(60, 10)),
  inboundRate: positive("inbound-rate", args["inbound-rate"], 10),
  stormRate: args["storm-rate"] === undefined ? null : positive("storm-rate", args["storm-rate"], 1),
  // The 1,000-message and 2.9 MB deliveries are full size from --scale 0.2 on, smaller below
  // (a smoke run should not wait on the old pipeline's minute for 2.9 MB).
  bigMessages: Math.max(50, Math.round(1000 * Math.min(1, scale * 5))),
  hugeMessages: Math.max(50, Math.round(2920 * Math.min(1, scale * 5))),
  countedSingle: scaled(1500, 100),
  countedBacklog: scaled(10_000, 500),
  countedStatusSingle: scaled(500, 50),
  countedStatusBacklog: scaled(5000, 200),
};
const parts: Part[] = args.only ? (args.only.split(",") as Part[]) : [...allParts];
if (!parts.every((p) => allParts.includes(p))) fail(`--only takes ${allParts.join(", ")}.`);

// ---------------------------------------------------------------------------------------
// Environment: one for the bench and the servers, with secrets made for this run only.

const serverUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const databaseName = uniqueName("switchboard_bench_webhook");
const benchDatabaseUrl = databaseUrl(serverUrl, databaseName);
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-bench-webhook-"));
const login = { email: "bench-owner@switchboard.test", password: randomBytes(12).toString("hex") };
const appSecret = randomBytes(16).toString("hex");
const nextPort = await freePort();
const serverEnv: NodeJS.ProcessEnv = {
  LOG_LEVEL: "info",
  // As npm start sets it (package.json), for both servers: the same runtime, minus the framework.
  ...productionEnvDefaults(),
  ...process.env,
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  DATABASE_URL: benchDatabaseUrl,
  DATA_DIR: path.join(workDir, "data"),
  APP_URL: `http://127.0.0.1:${nextPort}`,
  AUTH_SECRET: randomBytes(32).toString("hex"),
  WHATSAPP_APP_SECRET: appSecret,
  WHATSAPP_VERIFY_TOKEN: randomBytes(16).toString("hex"),
  ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  // The bench's numbers are sandbox numbers (bench-data.ts); nothing asks Meta.
  META_APP_ID: "670843887433847",
  SANDBOX_NUMBERS: "on",
  // Production needs a mail server; these runs send no mail, and port 9 (discard) would take none.
  SMTP_URL: "smtp://127.0.0.1:9",
};
const nodeFlags = args["node-flags"] === undefined ? productionNodeFlags() : args["node-flags"].split(/\s+/).filter((flag) => flag !== "");
const serverNodeArgs = [...nodeFlags, ...(args.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(args.profile)}`] : [])];
// The bench seeds through the app's own functions (env() is read on first use, after this);
// its connections name themselves so that their CPU is never counted as the server's.
const benchOwnUrl = new URL(benchDatabaseUrl);
benchOwnUrl.searchParams.set("application_name", benchApplicationName);
Object.assign(process.env, serverEnv, { LOG_LEVEL: "warn", DATABASE_URL: benchOwnUrl.toString() });

// ---------------------------------------------------------------------------------------

const servers: Server[] = [];
const running: {
  loadGenerator: ChildProcess | null;
  monitor: postgres.Sql | null;
  databaseCreated: boolean;
  closers: Array<() => Promise<void> | void>;
} = { loadGenerator: null, monitor: null, databaseCreated: false, closers: [] };

async function cleanUp(keepLogs: boolean): Promise<void> {
  running.loadGenerator?.kill();
  for (const close of running.closers) await Promise.resolve(close()).catch(() => {});
  await Promise.all(servers.map(stopServer));
  await closeDatabase().catch(() => {});
  await running.monitor?.end({ timeout: 5 });
  if (running.databaseCreated && args["keep-database"]) console.log(`kept database ${databaseName} (--keep-database)`);
  else if (running.databaseCreated) {
    await dropPostgresDatabase(serverUrl, databaseName).catch((error) => console.error(`could not drop ${databaseName}: ${error}`));
  }
  if (!keepLogs) fs.rmSync(workDir, { recursive: true, force: true });
}

process.on("SIGINT", () => {
  console.error("\ninterrupted: stopping the servers and dropping the bench database");
  void cleanUp(false).finally(() => process.exit(130));
});

// ---------------------------------------------------------------------------------------
// The load generator (its own process) and the bench's own requests.

function startLoadGenerator(): Promise<ChildProcess> {
  const child = fork(path.join(import.meta.dirname, "load-generator.ts"), [], { execArgv: ["--import", "tsx"], env: serverEnv });
  return new Promise((resolve, reject) => {
    child.once("message", (message: FromLoadGenerator) => (message.type === "ready" ? resolve(child) : reject(new Error("load generator failed to start"))));
    child.once("exit", (code) => reject(new Error(`load generator exited (${code})`)));
  });
}

/** Runs one job; `onProgress` hears the deliveries answered 200 so far, four times a second. */
function runLoad(url: string, spec: DeliverySpec, mode: LoadMode, onProgress?: (ok: number) => void): Promise<LoadResult> {
  const child = running.loadGenerator!;
  return new Promise((resolve, reject) => {
    const listener = (message: FromLoadGenerator) => {
      if (message.type === "progress") return onProgress?.(message.ok);
      child.off("message", listener);
      if (message.type === "result") resolve(message.result);
      else reject(new Error(message.type === "failed" ? message.error : "unexpected message from the load generator"));
    };
    child.on("message", listener);
    child.send({ type: "run", job: { url, appSecret, spec, mode } } satisfies ToLoadGenerator);
  });
}

const closed = (concurrency: number): LoadMode => ({ kind: "closed", concurrency });
const webhookUrl = (server: Server) => `${server.url}/api/webhooks/whatsapp`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function failOnErrors(what: string, result: LoadResult) {
  if (result.errors > 0) throw new Error(`${what}: ${result.errors} of ${result.sent} deliveries failed: ${result.errorSamples.join(" | ")}`);
}

/** One POST from the bench's own process; the status and when the answer's last byte came. */
function post(agent: http.Agent, url: string, body: Buffer): Promise<{ status: number; at: number }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": body.byteLength, [signatureHeaderName]: signBody(body, appSecret) },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? 0, at: performance.now() }));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

// ---------------------------------------------------------------------------------------
// Measuring.

type Summary = { what: string; target: string; measured: string; met: boolean | null };
const summary: Summary[] = [];
const verdict = (met: boolean | null) => (met === null ? "—" : met ? "yes" : "NO");

/** CPU of a server's process tree and of its Postgres backends over some work. */
async function cpuOver(server: Server, monitor: postgres.Sql) {
  const serverBefore = treeCpuMs(server.child.pid!);
  const backends = await backendCpu(monitor, server.name.startsWith("floor") ? floorBackends : serverBackends);
  return {
    stop: async (items: number) => ({
      serverMs: (treeCpuMs(server.child.pid!) - serverBefore) / items,
      postgresMs: (await backends.stop()) / items,
    }),
  };
}
type Cpu = Awaited<ReturnType<Awaited<ReturnType<typeof cpuOver>>["stop"]>>;
/** Two decimals under a millisecond: a status costs 0.1–0.3 ms, and one decimal hid changes of a third. */
const cpuMs = (value: number) => (value < 1 ? `${value.toFixed(2)} ms` : ms(value));
const cpuText = (cpu: Cpu) => `${cpuMs(cpu.serverMs)} + ${cpuMs(cpu.postgresMs)}`;

type AckRound = { server: string; round: number; perSecond: number; latencies: number[]; visibleAfterMs: number; cpu: Cpu };

type Context = {
  next: Server;
  floor: Server;
  monitor: postgres.Sql;
  watch: Observer;
  ackWorkspace: BenchWorkspace;
  workspaces: BenchWorkspaces;
};
let runTag = 0;
const newTag = (name: string) => `${name}${++runTag}`;

/**
 * `n` single-message deliveries to the ack workspace at `concurrency`; for the app, then
 * until all are visible (the floor's answer is its visibility). CPU until visible.
 */
async function ackRound(ctx: Context, server: Server, n: number, concurrency: number, round: number): Promise<AckRound> {
  const spec: DeliverySpec = { kind: "inbound", targets: [ctx.ackWorkspace.target], tag: newTag(`ack${server.name}`), perTarget: n, perDelivery: 1, customers: 500 };
  const isFloor = server.name.startsWith("floor");
  const before = isFloor ? 0 : await ctx.watch.inboundMessages([ctx.ackWorkspace.id]);
  const cpu = await cpuOver(server, ctx.monitor);
  const result = await runLoad(webhookUrl(server), spec, closed(concurrency));
  failOnErrors(`${server.name}, ack round`, result);
  let visibleAfterMs = 0;
  if (!isFloor) {
    const seen = await waitUntilCount(() => ctx.watch.inboundMessages([ctx.ackWorkspace.id]), before + n, { timeoutMs: 300_000 });
    if (seen.reachedAt === null) throw new Error(`${server.name}: ${seen.last - before} of ${n} acknowledged messages visible after 300 s`);
    visibleAfterMs = Math.max(0, performance.timeOrigin + seen.reachedAt - result.endedAtMs);
  }
  return { server: server.name, round, perSecond: (result.ok / result.elapsedMs) * 1000, latencies: result.latenciesMs, visibleAfterMs, cpu: await cpu.stop(n) };
}

/** Servers that have answered a warm-up round (`warmUp`). */
const warmed = new Set<string>();

/**
 * A round not counted, so that the counted ones measure a server's rate rather than its first
 * requests' compiling and connecting (and the load generator's).
 */
async function warmUp(ctx: Context, server: Server, concurrency: number, deliveries: number): Promise<void> {
  await ackRound(ctx, server, deliveries, concurrency, 0);
  warmed.add(server.name);
}

/** The floor's messages/s at concurrency 32, warm: the yardstick of the processing parts. */
async function floorRate(ctx: Context): Promise<AckRound> {
  // Thousands of deliveries, not the ack part's 600: in runs with only a processing part, the
  // floor made 1,406–1,765 messages/s cold, 1,670/s after 600, 2,040/s after 6,000, and
  // 2,166–2,511/s in full runs, where the ack part's ~14,000 came before it.
  if (!warmed.has(ctx.floor.name)) await warmUp(ctx, ctx.floor, 32, 2 * sizes.ackN);
  const round = await ackRound(ctx, ctx.floor, sizes.ackN, 32, 0);
  console.log(`  floor, just before: ${round.perSecond.toFixed(0)} messages/s (one per delivery, concurrency 32), p99 ${ms(percentile(round.latencies, 99))}`);
  return round;
}

async function ackPart(ctx: Context): Promise<number> {
  let maxAckRate = 0;
  for (const [concurrency, n] of [[32, sizes.ackN], [4, sizes.ack4N]] as const) {
    for (const server of [ctx.next, ctx.floor]) await warmUp(ctx, server, concurrency, Math.min(600, n));
    const rounds: AckRound[] = [];
    for (let round = 1; round <= sizes.rounds; round++) {
      for (const server of round % 2 === 1 ? [ctx.next, ctx.floor] : [ctx.floor, ctx.next]) {
        const result = await ackRound(ctx, server, n, concurrency, round);
        rounds.push(result);
        console.log(`  c ${concurrency} round ${round} ${server.name}: ${result.perSecond.toFixed(0)}/s, p99 ${ms(percentile(result.latencies, 99))}`);
      }
    }
    const mine = (name: string) => rounds.filter((r) => r.server === name);
    const ratios = rounds.filter((r) => r.server === "next").map((r) => r.perSecond / rounds.find((f) => f.server === "floor" && f.round === r.round)!.perSecond);
    const rows = [["", "deliveries/s (median)", "p50", "p99", "visible after last ack (max)", "CPU/delivery server + Postgres (median)"]];
    for (const name of ["next", "floor"]) {
      const all = mine(name).flatMap((r) => r.latencies);
      rows.push([
        name,
        median(mine(name).map((r) => r.perSecond)).toFixed(0),
        ms(percentile(all, 50)),
        ms(percentile(all, 99)),
        name === "next" ? ms(Math.max(...mine(name).map((r) => r.visibleAfterMs))) : "(its answer)",
        `${ms(median(mine(name).map((r) => r.cpu.serverMs)))} + ${ms(median(mine(name).map((r) => r.cpu.postgresMs)))}`,
      ]);
    }
    console.log(`\nAck: ${n} single-message deliveries per round and server, concurrency ${concurrency}, ${sizes.rounds} round(s)\n${table(rows)}`);
    const ratio = median(ratios);
    const p99 = percentile(mine("next").flatMap((r) => r.latencies), 99);
    console.log(`ratio next/floor: ${ratio.toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(", ")})`);
    if (concurrency === 32) {
      maxAckRate = median(mine("next").map((r) => r.perSecond));
      summary.push({ what: "ack, c 32: deliveries/s vs floor", target: "≥ 0.4×", measured: `${ratio.toFixed(2)}× (${maxAckRate.toFixed(0)}/s)`, met: ratio >= 0.4 });
      summary.push({ what: "ack, c 32: p99", target: "≤ 100 ms", measured: ms(p99), met: p99 <= 100 });
    } else summary.push({ what: "ack, c 4: p99", target: "≤ 20 ms", measured: ms(p99), met: p99 <= 20 });
  }
  return maxAckRate;
}

/**
 * A backlog sent at concurrency 32 in deliveries of `--per-delivery` items, timed from the
 * first request to the moment every item is visible: the rate a pipeline drains at (a
 * pipeline that processes in the request is measured the same way: its ack is its work).
 */
async function backlogPart(ctx: Context, kind: "inbound" | "statuses", set: BenchWorkspace[]) {
  const tenants = set.map((w) => w.id);
  const tag = newTag(kind);
  const spec: DeliverySpec =
    kind === "inbound"
      ? { kind: "inbound", targets: set.map((w) => w.target), tag, perTarget: Math.ceil(sizes.backlogMessages / set.length), perDelivery: sizes.perDelivery, customers: 500 }
      : { kind: "status", targets: set.map((w) => w.target), tag, messages: Math.ceil(sizes.backlogStatuses / 3 / set.length), perDelivery: sizes.perDelivery };
  const items = itemCount(spec);
  if (spec.kind === "status") {
    process.stdout.write(`  seeding ${spec.messages * set.length} sent messages over ${set.length} workspaces…`);
    for (const [target, workspace] of set.entries()) await seedBroadcast(workspace, tag, target, spec.messages);
    await ctx.monitor`analyze messages, contacts, conversations, message_statuses`;
    console.log(" done");
  }
  const floor = await floorRate(ctx);
  const count = kind === "inbound" ? () => ctx.watch.inboundMessages(tenants) : () => ctx.watch.statusesApplied(tenants);
  const before = await count();
  const cpu = await cpuOver(ctx.next, ctx.monitor);
  const rss = sampleRss(ctx.next.child.pid!);
  const loaded = runLoad(webhookUrl(ctx.next), spec, closed(32));
  loaded.catch(() => {}); // awaited below; a failure meanwhile must not end the process unreported
  const seen = await waitUntilCount(count, before + items, { timeoutMs: 900_000, minPollMs: 100, maxPollMs: 2_000 });
  const result = await loaded;
  failOnErrors(`${kind} backlog`, result);
  if (seen.reachedAt === null) throw new Error(`${kind} backlog: ${seen.last - before} of ${items} visible after 900 s`);
  const used = await cpu.stop(items);
  const peak = rss.stop();
  if (kind === "statuses") {
    const read = await ctx.watch.outboundRead(tenants);
    if (read !== items / 3) throw new Error(`statuses backlog: ${read} of ${items / 3} messages at read`);
  }
  const elapsed = performance.timeOrigin + seen.reachedAt - result.startedAtMs;
  const rate = (items / elapsed) * 1000;
  const ratio = rate / floor.perSecond;
  const lastAck = result.endedAtMs - result.startedAtMs;
  console.log(
    `\n${kind === "inbound" ? "Inbound messages" : "Statuses (sent, delivered, read of seeded outbound messages)"}: a backlog of ${items} over ${set.length} workspaces, ` +
      `${sizes.perDelivery} per delivery (${result.ok} deliveries), concurrency 32\n` +
      table([
        ["", "items/s until all visible", "last ack", "all visible", "ack p99", "CPU/item server + Postgres", "peak RSS"],
        ["next", rate.toFixed(0), `${(lastAck / 1000).toFixed(1)} s`, `${(elapsed / 1000).toFixed(1)} s (±${ms(seen.pollMs)})`, ms(percentile(result.latenciesMs, 99)), cpuText(used), `${peak.toFixed(0)} MiB`],
        ["floor (messages, one per delivery)", floor.perSecond.toFixed(0), "", "", ms(percentile(floor.latencies, 99)), cpuText(floor.cpu), ""],
      ]),
  );
  const target = kind === "inbound" ? 2 : 4;
  console.log(`ratio next/floor: ${ratio.toFixed(2)}`);
  summary.push({ what: `processing: ${kind} backlog vs floor messages/s`, target: `≥ ${target}×`, measured: `${ratio.toFixed(2)}× (${rate.toFixed(0)}/s)`, met: ratio >= target });
}

async function mixedPart(ctx: Context, maxAckRate: number) {
  const seconds = sizes.mixedSeconds;
  const rate = Math.max(1, Math.round(maxAckRate / 2));
  const [storm, bigWorkspace, huge] = await ctx.workspaces.create(3, "mixed");
  const stormTag = newTag("storm");
  const stormMessages = Math.ceil((rate * (seconds + 10)) / 3);
  process.stdout.write(`\n  seeding a broadcast of ${stormMessages} messages and one of ${sizes.hugeMessages}…`);
  await seedBroadcast(storm!, stormTag, 0, stormMessages);
  const hugeTag = newTag("huge");
  await seedBroadcast(huge!, hugeTag, 0, sizes.hugeMessages);
  await ctx.monitor`analyze messages, contacts, conversations, message_statuses`;
  console.log(" done");

  // The broadcasting workspace's inbox is open: its live stream names each new message.
  const cookie = await signIn(ctx.next.url, login.email, login.password);
  const arrivals = new Map<string, number>();
  const stream = await openEventStream(`${ctx.next.url}/api/w/${storm!.slug}/events`, cookie, (event) => {
    const data = event.data as { messageId?: string } | null;
    if (event.type === "message.created" && data?.messageId && !arrivals.has(data.messageId)) arrivals.set(data.messageId, event.at);
  });
  running.closers.push(() => stream.close());

  const statusesBefore = await ctx.watch.statusesApplied([storm!.id]);
  const inboundBefore = await ctx.watch.inboundMessages([storm!.id]);
  const cpu = await cpuOver(ctx.next, ctx.monitor);
  const rss = sampleRss(ctx.next.child.pid!);
  let stormAcked = 0;
  const stormSpec: DeliverySpec = { kind: "status", targets: [storm!.target], tag: stormTag, messages: stormMessages, perDelivery: 1 };
  const stormLoad = runLoad(webhookUrl(ctx.next), stormSpec, { kind: "rate", perSecond: rate, maxInFlight: 32 }, (ok) => (stormAcked = ok));
  const started = performance.now();

  // Customers write to the broadcasting business meanwhile: replies from its recipients.
  const inboundTag = newTag("reply");
  const replies: Array<{ wamid: string; sent: number; acked: number | null }> = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const inFlight = new Set<Promise<void>>();
  const replier = setInterval(() => {
    const j = replies.length;
    const reply = { wamid: inboundWamid(inboundTag, 0, j), sent: performance.now(), acked: null as number | null };
    replies.push(reply);
    const body = textDelivery(storm!.target, { wamid: reply.wamid, from: customerWaId(j % stormMessages), text: `Reply ${j}` });
    const request = post(agent, webhookUrl(ctx.next), body)
      .then((answer) => void (answer.status === 200 && (reply.acked = answer.at)))
      .catch(() => {})
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, 1000 / sizes.inboundRate);

  // Backlog over time: acknowledged but not yet visible.
  const samples: Array<{ t: number; acked: number; applied: number; repliesAcked: number; repliesVisible: number }> = [];
  const sampler = (async () => {
    for (;;) {
      const t = (performance.now() - started) / 1000;
      const acked = stormAcked;
      const repliesAcked = replies.filter((r) => r.acked !== null).length;
      // A pipeline that works in the request shows work before its 200: never below 0.
      const applied = Math.min(acked, (await ctx.watch.statusesApplied([storm!.id])) - statusesBefore);
      const repliesVisible = Math.min(repliesAcked, (await ctx.watch.inboundMessages([storm!.id])) - inboundBefore);
      samples.push({ t, acked, applied, repliesAcked, repliesVisible });
      if (t >= seconds) return;
      await sleep(Math.max(0, 1000 - (performance.now() - started - t * 1000)));
    }
  })();

  // A delivery of 1,000 messages a third of the way in, and one of 2.9 MB of statuses two thirds in.
  const big = sizes.bigMessages;
  const hugeStatuses = sizes.hugeMessages * 3;
  const bigAgent = new http.Agent({ keepAlive: false });
  const thousand = (async () => {
    await sleep((seconds * 1000) / 3);
    const body = buildDeliveries({ kind: "inbound", targets: [bigWorkspace!.target], tag: newTag("thousand"), perTarget: big, perDelivery: big, customers: big })[0]!;
    const sent = performance.now();
    const answer = await post(bigAgent, webhookUrl(ctx.next), body);
    const seen = await waitUntilCount(() => ctx.watch.inboundMessages([bigWorkspace!.id]), big, { timeoutMs: 300_000, minPollMs: 20 });
    return { status: answer.status, answeredMs: answer.at - sent, visibleMs: seen.reachedAt === null ? null : seen.reachedAt - sent, pollMs: seen.pollMs };
  })();
  const heavy = (async () => {
    await sleep((seconds * 2000) / 3);
    const body = buildDeliveries({ kind: "status", targets: [huge!.target], tag: hugeTag, messages: sizes.hugeMessages, perDelivery: hugeStatuses, billable: true })[0]!;
    const sent = performance.now();
    const answer = await post(bigAgent, webhookUrl(ctx.next), body);
    const seen = await waitUntilCount(() => ctx.watch.statusesApplied([huge!.id]), hugeStatuses, { timeoutMs: 300_000, minPollMs: 100 });
    return { status: answer.status, bytes: body.byteLength, answeredMs: answer.at - sent, appliedMs: seen.reachedAt === null ? null : seen.reachedAt - sent };
  })();

  // Awaited below, after the load: a failure meanwhile must not end the process unreported.
  for (const pending of [stormLoad, thousand, heavy]) pending.catch(() => {});
  await sampler;
  clearInterval(replier);
  running.loadGenerator!.send({ type: "stop" } satisfies ToLoadGenerator);
  const stormResult = await stormLoad;
  await Promise.all(inFlight);
  agent.destroy();
  const stopped = performance.now();
  const drained = await waitUntilCount(
    async () => {
      const statuses = (await ctx.watch.statusesApplied([storm!.id])) - statusesBefore;
      const visible = (await ctx.watch.inboundMessages([storm!.id])) - inboundBefore;
      return statuses >= stormResult.ok && visible >= replies.filter((r) => r.acked !== null).length ? 1 : 0;
    },
    1,
    { timeoutMs: 300_000, minPollMs: 100 },
  );
  const [thousandResult, heavyResult] = await Promise.all([thousand, heavy]);
  await sleep(500); // the last events' way to the stream
  stream.close();
  const items = stormResult.ok + replies.length + big + hugeStatuses;
  const used = await cpu.stop(items);
  const peakMiB = rss.stop();

  // Each reply's times, matched with its message.created by the message id the event names.
  const wamidOf = await ctx.watch.wamidsOf(storm!.id, `wamid.BENCH.${inboundTag}.`);
  const arrivalOf = new Map<string, number>();
  for (const [id, at] of arrivals) {
    const wamid = wamidOf.get(id);
    if (wamid) arrivalOf.set(wamid, at);
  }
  const acked = replies.filter((r) => r.acked !== null);
  const timed = acked.filter((r) => arrivalOf.has(r.wamid));
  const sendToVisible = timed.map((r) => arrivalOf.get(r.wamid)! - r.sent);
  const ackToVisible = timed.map((r) => arrivalOf.get(r.wamid)! - r.acked!);

  const stormRate = (stormResult.ok / stormResult.elapsedMs) * 1000;
  console.log(
    `\nMixed: ${seconds} s of a status storm at ${rate}/s (${sizes.stormRate === null ? `half the maximum ack rate ${maxAckRate.toFixed(0)}/s` : "--storm-rate"}; sent ${stormRate.toFixed(0)}/s, ` +
      `${stormResult.ok} acknowledged, ${stormResult.errors} errors${stormResult.errors > 0 ? ` (${stormResult.errorSamples.join(" | ")})` : ""}, p99 ${ms(percentile(stormResult.latenciesMs, 99))}) to one workspace whose inbox is open, ` +
      `with ${sizes.inboundRate} customer messages/s to it`,
  );
  const every = Math.max(1, Math.ceil(samples.length / 20));
  const backlogRows = [["t", "statuses acked", "applied", "backlog", "replies acked", "visible", "backlog"]];
  for (const [i, s] of samples.entries()) {
    if (i % every !== 0 && i !== samples.length - 1) continue;
    backlogRows.push([`${s.t.toFixed(0)} s`, String(s.acked), String(s.applied), String(s.acked - s.applied), String(s.repliesAcked), String(s.repliesVisible), String(s.repliesAcked - s.repliesVisible)]);
  }
  console.log(table(backlogRows));
  const backlogs = samples.map((s) => ({ t: s.t, b: s.acked - s.applied + (s.repliesAcked - s.repliesVisible) }));
  const secondHalf = backlogs.filter((s) => s.t >= seconds / 2);
  const slope = regressionSlope(secondHalf);
  const drainMs = drained.reachedAt === null ? null : drained.reachedAt - stopped;
  console.log(
    `backlog: at most ${Math.max(...backlogs.map((s) => s.b))}, at the end ${backlogs.at(-1)?.b}; over the second half it ` +
      `${slope >= 0 ? "grew" : "shrank"} ${Math.abs(slope).toFixed(1)} items/s; all applied ${drainMs === null ? "NOT within 300 s" : `${(drainMs / 1000).toFixed(1)} s`} after the load stopped`,
  );
  console.log(
    `replies: ${replies.length} sent, ${acked.length} acknowledged, ${timed.length} seen on the stream; ` +
      `send → visible p50 ${ms(percentile(sendToVisible, 50))}, p95 ${ms(percentile(sendToVisible, 95))}, p99 ${ms(percentile(sendToVisible, 99))}; ` +
      `ack → visible p50 ${ms(percentile(ackToVisible, 50))}, p95 ${ms(percentile(ackToVisible, 95))} (below 0: the event came before the 200)`,
  );
  console.log(
    `${big}-message delivery: answered ${thousandResult.status} in ${ms(thousandResult.answeredMs)}, all visible ` +
      `${thousandResult.visibleMs === null ? "NOT within 300 s" : `after ${ms(thousandResult.visibleMs)} (±${ms(thousandResult.pollMs)})`}`,
  );
  console.log(
    `${(heavyResult.bytes / 1e6).toFixed(2)} MB delivery of ${hugeStatuses} statuses: answered ${heavyResult.status} in ${ms(heavyResult.answeredMs)}, ` +
      `all applied ${heavyResult.appliedMs === null ? "NOT within 300 s" : `after ${(heavyResult.appliedMs / 1000).toFixed(1)} s`}`,
  );
  console.log(`peak RSS of the server's process tree: ${peakMiB.toFixed(0)} MiB (${((peakMiB * 1024 * 1024) / 1e6).toFixed(0)} MB); CPU per item, server + Postgres: ${cpuText(used)}`);

  const p99 = percentile(sendToVisible, 99);
  const p95 = percentile(ackToVisible, 95);
  const bounded = slope <= 0.02 * rate && drainMs !== null;
  summary.push(
    { what: `mixed: backlog at ${rate}/s for ${seconds} s`, target: "bounded", measured: `${slope >= 0 ? "+" : ""}${slope.toFixed(1)}/s over the 2nd half, drained in ${drainMs === null ? "> 300 s" : `${(drainMs / 1000).toFixed(1)} s`}`, met: bounded },
    { what: "mixed: inbound → visible p99 (storm)", target: "≤ 2 s", measured: `${ms(p99)} (${timed.length} of ${replies.length})`, met: p99 <= 2000 && timed.length === replies.length },
    { what: "mixed: ack → visible p95 (open inbox)", target: "≤ 250 ms", measured: ms(p95), met: p95 <= 250 },
    { what: `mixed: ${big}-message delivery answered`, target: "≤ 100 ms", measured: ms(thousandResult.answeredMs), met: thousandResult.status === 200 && thousandResult.answeredMs <= 100 },
    { what: `mixed: its ${big} messages all visible`, target: "≤ 2 s", measured: thousandResult.visibleMs === null ? "> 300 s" : ms(thousandResult.visibleMs), met: thousandResult.visibleMs !== null && thousandResult.visibleMs <= 2000 },
    { what: `mixed: ${(heavyResult.bytes / 1e6).toFixed(1)} MB delivery answered`, target: "≤ 500 ms", measured: ms(heavyResult.answeredMs), met: heavyResult.status === 200 && heavyResult.answeredMs <= 500 },
    { what: "mixed: peak RSS", target: "≤ 400 MB", measured: `${((peakMiB * 1024 * 1024) / 1e6).toFixed(0)} MB`, met: (peakMiB * 1024 * 1024) / 1e6 <= 400 },
  );
}

/** Least-squares slope of b over t. */
function regressionSlope(points: Array<{ t: number; b: number }>): number {
  if (points.length < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / points.length;
  const mb = points.reduce((s, p) => s + p.b, 0) / points.length;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.b - mb), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/**
 * Statements and transactions on the wire: the app server (and a floor) started again behind
 * the counting proxy, fed samples of each kind until all is visible, after an idle baseline.
 */
async function statementsPart(ctx: Context, backlogSet: BenchWorkspace[], statusSet: BenchWorkspace[]) {
  await stopServer(ctx.next);
  await stopServer(ctx.floor);
  const upstream = new URL(serverUrl);
  const counter = await startStatementCounter({ host: upstream.hostname, port: Number(upstream.port || 5432) });
  running.closers.push(counter.close);
  const proxied = new URL(benchDatabaseUrl);
  proxied.host = `127.0.0.1:${counter.port}`;
  const env = { ...serverEnv, DATABASE_URL: proxied.toString() };
  const next = startNext(env, nextPort, workDir, serverNodeArgs, "next-counted");
  servers.push(next);
  await waitUntilHealthy(next, "/api/health");
  const floor = startFloor({ ...env, FLOOR_ROUTES: floorRoutes(ctx.ackWorkspace) }, await freePort(), workDir, serverNodeArgs, "floor-counted");
  servers.push(floor);
  await waitUntilHealthy(floor, "/health");
  await sleep(1000);
  counter.take();
  await sleep(3000);
  const idle = counter.take();
  const idlePerSecond = idle.statements / 3;

  const rows = [["sample", "items", "deliveries", "statements/item", "transactions/item", "statements per transaction (mean, max)", "outside transactions/item", "round trips/item", "window"]];
  const sample = async (label: string, server: Server, spec: DeliverySpec, done: () => Promise<number>, concurrency: number) => {
    const items = itemCount(spec);
    const before = await done();
    counter.take();
    const started = performance.now();
    const result = await runLoad(webhookUrl(server), spec, closed(concurrency));
    failOnErrors(label, result);
    const seen = await waitUntilCount(done, before + items, { timeoutMs: 300_000 });
    if (seen.reachedAt === null) throw new Error(`${label}: not all visible after 300 s`);
    const c: StatementCounts = counter.take();
    const seconds = (performance.now() - started) / 1000;
    const per = (value: number) => (value / items).toFixed(2);
    rows.push([
      label,
      String(items),
      String(result.ok),
      per(c.statements),
      per(c.transactions),
      c.perTransaction.length === 0 ? "—" : `${(c.perTransaction.reduce((a, b) => a + b, 0) / c.perTransaction.length).toFixed(1)}, ${Math.max(...c.perTransaction)}`,
      per(c.statements - c.inTransactions),
      per(c.roundTrips),
      `${seconds.toFixed(1)} s`,
    ]);
  };
  const one = [ctx.ackWorkspace.id];
  const inbound = (targets: BenchWorkspace[], perTarget: number, perDelivery: number): DeliverySpec => ({
    kind: "inbound",
    targets: targets.map((w) => w.target),
    tag: newTag("count"),
    perTarget,
    perDelivery,
    customers: 100,
  });
  await sample("floor: inbound, 1 per delivery", floor, inbound([ctx.ackWorkspace], sizes.countedSingle, 1), async () => Number((await ctx.monitor`select count(*)::int as n from floor.messages`)[0]!.n), 8);
  await sample("next: inbound, 1 per delivery", next, inbound([ctx.ackWorkspace], sizes.countedSingle, 1), () => ctx.watch.inboundMessages(one), 8);
  // A trickle, where each delivery is split and applied nearly alone and the job bookkeeping around it shows.
  await sample("next: inbound, 1 per delivery, c 4", next, inbound([ctx.ackWorkspace], sizes.countedSingle, 1), () => ctx.watch.inboundMessages(one), 4);
  await sample("next: inbound, 1 per delivery, c 1", next, inbound([ctx.ackWorkspace], Math.ceil(sizes.countedSingle / 5), 1), () => ctx.watch.inboundMessages(one), 1);
  await sample(`next: inbound backlog, ${sizes.perDelivery} per delivery`, next, inbound(backlogSet, Math.ceil(sizes.countedBacklog / backlogSet.length), sizes.perDelivery), () => ctx.watch.inboundMessages(backlogSet.map((w) => w.id)), 32);
  const statuses = async (label: string, set: BenchWorkspace[], messages: number, perDelivery: number, concurrency: number) => {
    const tag = newTag("counted");
    for (const [target, workspace] of set.entries()) await seedBroadcast(workspace, tag, target, messages);
    const spec: DeliverySpec = { kind: "status", targets: set.map((w) => w.target), tag, messages, perDelivery };
    await sample(label, next, spec, () => ctx.watch.statusesApplied(set.map((w) => w.id)), concurrency);
  };
  await statuses("next: statuses, 1 per delivery", statusSet.slice(0, 1), sizes.countedStatusSingle, 1, 8);
  await statuses(`next: statuses backlog, ${sizes.perDelivery} per delivery`, statusSet, Math.ceil(sizes.countedStatusBacklog / statusSet.length), sizes.perDelivery, 32);
  console.log(
    `\nStatements on the wire (a counting proxy between each server and Postgres; Execute and simple Query messages, BEGIN/COMMIT/ROLLBACK counted as ` +
      `transactions, not statements; a round trip is a Sync or a simple Query), from the first request until all is visible. ` +
      `Idle, the app server sent ${idlePerSecond.toFixed(1)} statements/s (included in the figures).\n${table(rows)}`,
  );
  await stopServer(next);
  await stopServer(floor);
}

const floorRoutes = (workspace: BenchWorkspace) => JSON.stringify({ [workspace.target.phoneNumberId]: { tenantId: workspace.id, numberId: workspace.numberId } });

async function main(): Promise<boolean> {
  console.log(`Switchboard webhook bench — ${await describeMachine(serverUrl)}`);
  console.log(
    `scale ${scale}: ack ${sizes.ackN} deliveries per round at c 32 and ${sizes.ack4N} at c 4, ${sizes.rounds} round(s); ` +
      `backlogs of ${sizes.backlogMessages} messages and ${sizes.backlogStatuses} statuses over ${sizes.workspaces} workspaces, ${sizes.perDelivery} per delivery; ` +
      `mixed ${sizes.mixedSeconds} s with ${sizes.inboundRate} customer messages/s; parts: ${parts.join(", ")}`,
  );
  console.log(
    `pool ${process.env.DATABASE_POOL_MAX ?? 10} connections per server; both servers' Node flags: ${nodeFlags.length > 0 ? nodeFlags.join(" ") : "none"}` +
      `${args["node-flags"] === undefined ? " (npm start's)" : ""}`,
  );
  const stale = buildStaleness();
  if (stale) {
    console.log(`Building the production server: ${stale}.`);
    await buildProduction();
  } else console.log("Using the existing production build (.next is newer than its sources).");

  await createPostgresDatabase(serverUrl, databaseName);
  running.databaseCreated = true;
  console.log(`Database ${databaseName} on ${new URL(serverUrl).host}`);

  const next = startNext(serverEnv, nextPort, workDir, serverNodeArgs);
  servers.push(next);
  // The app migrates the fresh database at start-up; everything else waits for it.
  await waitUntilHealthy(next, "/api/health");
  const monitor = (running.monitor = postgres(benchOwnUrl.toString(), { max: 2, onnotice: () => {} }));
  const workspaces = new BenchWorkspaces(login);
  const [ackWorkspace] = await workspaces.create(1, "ack");
  const needsSets = parts.some((p) => p === "inbound" || p === "statuses" || p === "statements");
  const backlogSet = needsSets ? await workspaces.create(sizes.workspaces, "inbound") : [];
  const statusSet = needsSets ? await workspaces.create(sizes.workspaces, "statuses") : [];
  const floor = startFloor({ ...serverEnv, FLOOR_ROUTES: floorRoutes(ackWorkspace!) }, await freePort(), workDir, serverNodeArgs);
  servers.push(floor);
  await waitUntilHealthy(floor, "/health");
  running.loadGenerator = await startLoadGenerator();
  const ctx: Context = { next, floor, monitor, watch: observer(monitor), ackWorkspace: ackWorkspace!, workspaces };

  let maxAckRate = 0;
  if (parts.includes("ack")) maxAckRate = await ackPart(ctx);
  if (parts.includes("inbound")) await backlogPart(ctx, "inbound", backlogSet);
  if (parts.includes("statuses")) await backlogPart(ctx, "statuses", statusSet);
  if (parts.includes("mixed")) {
    if (sizes.stormRate !== null) maxAckRate = 2 * sizes.stormRate;
    else if (maxAckRate === 0) {
      const round = await ackRound(ctx, next, sizes.ackN, 32, 0);
      maxAckRate = round.perSecond;
      console.log(`\n  maximum ack rate (no ack part in this run): ${maxAckRate.toFixed(0)} deliveries/s at concurrency 32`);
    }
    await mixedPart(ctx, maxAckRate);
  }
  if (parts.includes("statements")) await statementsPart(ctx, backlogSet, statusSet);

  console.log(`\nTargets (issue 15), measured in this run; nothing is asserted:\n${table([["", "target", "measured", "met"], ...summary.map((s) => [s.what, s.target, s.measured, verdict(s.met)])])}`);
  console.log(`CPU per item is server process tree + its Postgres backends, from /proc. Load average at the end: ${loadAverage()} (1 / 5 / 15 min)`);
  return true;
}

let ok = false;
try {
  ok = await main();
} catch (error) {
  console.error(`\nBENCH FAILED: ${error instanceof Error ? error.message : error}`);
  console.error(`server logs: ${workDir} (kept)`);
} finally {
  await cleanUp(!ok);
}
process.exit(ok ? 0 : 1);
