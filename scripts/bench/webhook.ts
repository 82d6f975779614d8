/**
 * `npm run bench:webhook`: the WhatsApp webhook measured against its floor, on real Postgres.
 *
 * 1. Ingest: the production Next.js server and the floor (the same ingest function behind a
 *    bare node:http server, floor-server.ts) take N signed deliveries each at a fixed
 *    concurrency from a load generator in its own process, in alternating rounds on one
 *    fresh database that is emptied before every round. Printed: deliveries/s, p50, p99,
 *    the ratio app/floor, the server's RSS and errors; after every round the database must
 *    hold exactly what was sent. Two mixes: new inbound messages, and sent/delivered/read
 *    statuses for a campaign's outbound messages. A third, redeliveries of deliveries already
 *    stored (answered 200 after two statements), measures what the framework costs per
 *    request with little else around it, and from that the best ratio the ingest could reach.
 * 2. Ack to visible: a signed-in client on the workspace's event stream; one probe message at
 *    a time, the time from the webhook's 200 to its `message.created` event, idle and under
 *    background load.
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
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { signBody, signatureHeaderName } from "@/lib/whatsapp/signature";
import { clearWebhookData, conversationOf, createBenchWorkspace, seedCampaign, storedCounts } from "./bench-data";
import { buildDeliveries, customerWaId, deliveryCount, type DeliverySpec } from "./deliveries";
import type { FromLoadGenerator, LoadJob, LoadMode, LoadResult, ToLoadGenerator } from "./load-generator";
import {
  buildProduction,
  buildStaleness,
  cpuMs,
  productionNodeFlags,
  sampleRss,
  startFloor,
  startNext,
  stopServer,
  treeCpuMs,
  waitUntilHealthy,
  type Server,
} from "./processes";
import { freePort } from "../support/processes";
import { signIn, openEventStream, type StreamEvent } from "./session";
import { costOf, type DeliveryCost } from "./delivery-cost";
import { describeMachine, loadAverage } from "./machine";
import { median, ms, percentile, table } from "./stats";

const usage = `npm run bench:webhook -- [--quick] [--n 3000] [--concurrency 32] [--rounds 3] [--customers 500]
                              [--ack-seconds 20] [--ack-rate 200] [--only ingest|status|redelivered|ack]
                              [--show-statements] [--profile <dir>]
                              [--node-flags="<flags>"] [--warm 600] [--floor-async-context]

  --quick            a smoke run: n 600, 1 round, 6 s of ack-to-visible
  --n                deliveries per round and server (BENCH_N)
  --concurrency      requests in flight (BENCH_CONCURRENCY)
  --rounds           rounds per mix; the order app/floor alternates every round (BENCH_ROUNDS)
  --customers        inbound messages come from this many customers, round-robin
  --ack-seconds      how long to probe ack-to-visible under background load
  --ack-rate         background deliveries per second during that probe
  --only             run one part: ingest (inbound messages), status (a campaign's statuses),
                     redelivered (stored deliveries sent again: the framework's own cost), ack
  --show-statements  print the SQL of one delivery
  --profile <dir>    run both servers with node --cpu-prof, profiles written to <dir> at the end
                     (summarize: npx tsx scripts/bench/profile-summary.ts <file.cpuprofile>)
  --node-flags=      Node flags for both servers instead of npm start's (package.json), after
                     an "=" since they start with dashes: --node-flags= runs both with Node's
                     defaults, --node-flags=--max-semi-space-size=128 with another young generation
  --warm             deliveries each server takes before a mix's rounds (default 600, or n if
                     smaller; --warm equal to --n warms with a whole round)
  --floor-async-context
                     the floor runs every request inside AsyncLocalStorage.run(), as Next.js
                     does: what that context alone costs the same ingest

Postgres: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); the bench creates
and drops its own database switchboard_bench_webhook_* there.`;

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    n: { type: "string" },
    concurrency: { type: "string" },
    rounds: { type: "string" },
    customers: { type: "string", default: "500" },
    "ack-seconds": { type: "string" },
    "ack-rate": { type: "string", default: "200" },
    only: { type: "string" },
    "show-statements": { type: "boolean", default: false },
    profile: { type: "string" },
    "node-flags": { type: "string" },
    warm: { type: "string" },
    "floor-async-context": { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(usage);
  process.exit(0);
}

const positive = (name: string, value: string | undefined, fallback: number) => {
  const parsed = Number(value ?? fallback);
  if (!Number.isInteger(parsed) || parsed < 1) {
    console.error(`--${name} must be a positive integer.\n\n${usage}`);
    process.exit(1);
  }
  return parsed;
};
const options = {
  n: positive("n", args.n ?? process.env.BENCH_N, args.quick ? 600 : 3000),
  concurrency: positive("concurrency", args.concurrency ?? process.env.BENCH_CONCURRENCY, 32),
  rounds: positive("rounds", args.rounds ?? process.env.BENCH_ROUNDS, args.quick ? 1 : 3),
  customers: positive("customers", args.customers, 500),
  ackSeconds: positive("ack-seconds", args["ack-seconds"], args.quick ? 6 : 20),
  ackRate: positive("ack-rate", args["ack-rate"], 200),
};
// Redeliveries can only repeat what was stored before the rounds: at most n of them.
const warm = positive("warm", args.warm, Math.min(600, options.n));
const allParts = ["ingest", "status", "redelivered", "ack"];
const parts = args.only ? [args.only] : allParts;
if (!parts.every((p) => allParts.includes(p))) {
  console.error(`--only takes ${allParts.join(", ")}.\n\n${usage}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------
// Environment: one for the bench and both servers, with secrets made for this run only.

const serverUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const databaseName = uniqueName("switchboard_bench_webhook");
const benchDatabaseUrl = databaseUrl(serverUrl, databaseName);
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-bench-webhook-"));
const login = { email: "bench-owner@switchboard.test", password: randomBytes(12).toString("hex") };
const appSecret = randomBytes(16).toString("hex");
const nextPort = await freePort();
const floorPort = await freePort();
const serverEnv: NodeJS.ProcessEnv = {
  LOG_LEVEL: "info",
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
  // The bench's number is a sandbox number (scripts/bench/bench-data.ts); nothing asks Meta.
  META_APP_ID: "670843887433847",
  SANDBOX_NUMBERS: "on",
  // Production needs a mail server; these runs send no mail, and port 9 (discard) would take none.
  SMTP_URL: "smtp://127.0.0.1:9",
};
// Only the servers are profiled, never the bench or its load generator.
const nodeFlags = args["node-flags"] === undefined ? productionNodeFlags() : args["node-flags"].split(/\s+/).filter((flag) => flag !== "");
const serverNodeArgs = [...nodeFlags, ...(args.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(args.profile)}`] : [])];
// The bench itself reads the same configuration (env() is read on first use, after this),
// but keeps its own log to warnings: its output is the figures.
Object.assign(process.env, serverEnv, { LOG_LEVEL: "warn" });

// ---------------------------------------------------------------------------------------

const servers: Server[] = [];
const running: { loadGenerator: ChildProcess | null; monitor: postgres.Sql | null; databaseCreated: boolean } = {
  loadGenerator: null,
  monitor: null,
  databaseCreated: false,
};

/** Stops what the bench started and drops its database; the server logs stay after a failure. */
async function cleanUp(keepLogs: boolean): Promise<void> {
  running.loadGenerator?.kill();
  await Promise.all(servers.map(stopServer));
  await closeDatabase().catch(() => {});
  await running.monitor?.end({ timeout: 5 });
  if (running.databaseCreated) {
    await dropPostgresDatabase(serverUrl, databaseName).catch((error) => console.error(`could not drop ${databaseName}: ${error}`));
  }
  if (!keepLogs) fs.rmSync(workDir, { recursive: true, force: true });
}

process.on("SIGINT", () => {
  console.error("\ninterrupted: stopping the servers and dropping the bench database");
  void cleanUp(false).finally(() => process.exit(130));
});

function startLoadGenerator(): Promise<ChildProcess> {
  const child = fork(path.join(import.meta.dirname, "load-generator.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: serverEnv,
  });
  return new Promise((resolve, reject) => {
    child.once("message", (message: FromLoadGenerator) => (message.type === "ready" ? resolve(child) : reject(new Error("load generator failed to start"))));
    child.once("exit", (code) => reject(new Error(`load generator exited (${code})`)));
  });
}

function runLoad(job: LoadJob): Promise<LoadResult> {
  const child = running.loadGenerator!;
  return new Promise((resolve, reject) => {
    child.once("message", (message: FromLoadGenerator) => {
      if (message.type === "result") resolve(message.result);
      else reject(new Error(message.type === "failed" ? message.error : "unexpected message from the load generator"));
    });
    child.send({ type: "run", job } satisfies ToLoadGenerator);
  });
}

const webhookUrl = (server: Server) => `${server.url}/api/webhooks/whatsapp`;

type Round = {
  server: string;
  round: number;
  perSecond: number;
  p50: number;
  p99: number;
  rssMiB: number;
  errors: number;
  latencies: number[];
  /** CPU time per delivery of the server's processes, and of its database backends. */
  serverCpuMs: number;
  postgresCpuMs: number;
};

/** The Postgres backends serving the bench database: the servers' pools and the bench's own. */
async function backendPids(): Promise<number[]> {
  const monitor = (running.monitor ??= postgres(benchDatabaseUrl, { max: 1, onnotice: () => {} }));
  const rows = await monitor<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()`;
  return rows.map((r) => r.pid);
}

/** CPU used by the database's backends from now until `stop`, counting backends opened meanwhile. */
async function postgresCpu(): Promise<{ stop: () => Promise<number> }> {
  const before = new Map((await backendPids()).map((pid) => [pid, cpuMs([pid])]));
  return {
    stop: async () => {
      let total = 0;
      for (const pid of await backendPids()) total += cpuMs([pid]) - (before.get(pid) ?? 0);
      return total;
    },
  };
}

/**
 * What a round sends: new inbound messages, a campaign's statuses, or inbound messages
 * already stored (Meta's redeliveries: answered 200, and stored no second time).
 */
type Mix = "inbound" | "status" | "redelivered";

/** Fails loudly unless the database holds exactly what the round sent. */
async function verify(mix: Mix, spec: DeliverySpec, result: LoadResult, server: string): Promise<void> {
  const stored = await storedCounts();
  // Redeliveries leave the stored set as it was: the n deliveries sent once before the rounds.
  const sent = mix === "redelivered" ? options.n : deliveryCount(spec);
  const expected =
    spec.kind === "inbound"
      ? { deliveries: sent, processed: sent, inbound: sent, statuses: 0 }
      : { deliveries: sent, processed: sent, inbound: 0, statuses: sent, read: spec.messages };
  const wrong = Object.entries(expected).filter(([key, value]) => stored[key as keyof typeof stored] !== value);
  if (wrong.length > 0 || result.errors > 0) {
    throw new Error(
      `${server}: the database does not hold what was sent (${result.errors} errors: ${result.errorSamples.join(" | ")}).\n` +
        `  expected ${JSON.stringify(expected)}\n  stored   ${JSON.stringify(stored)}`,
    );
  }
}

async function measure(server: Server, mix: Mix, spec: DeliverySpec, round: number, prepare: () => Promise<void>): Promise<Round> {
  await prepare();
  const rss = sampleRss(server.child.pid!);
  const serverCpuBefore = treeCpuMs(server.child.pid!);
  const postgres = await postgresCpu();
  const result = await runLoad({ url: webhookUrl(server), appSecret, spec, mode: { kind: "closed", concurrency: options.concurrency } });
  const serverCpu = treeCpuMs(server.child.pid!) - serverCpuBefore;
  const postgresCpuMs = await postgres.stop();
  const rssMiB = rss.stop();
  await verify(mix, spec, result, server.name);
  return {
    server: server.name,
    round,
    perSecond: (result.ok / result.elapsedMs) * 1000,
    p50: percentile(result.latenciesMs, 50),
    p99: percentile(result.latenciesMs, 99),
    rssMiB,
    errors: result.errors,
    latencies: result.latenciesMs,
    serverCpuMs: serverCpu / result.ok,
    postgresCpuMs: postgresCpuMs / result.ok,
  };
}

type Report = {
  ratio: number;
  p99: number;
  /** Median CPU per delivery, server + Postgres. */
  totalCpuMs: { next: number; floor: number };
};

function report(title: string, rounds: Round[]): Report {
  const rows = [["", "round", "deliveries/s", "p50", "p99", "peak RSS", "errors", "server CPU/delivery", "Postgres CPU/delivery"]];
  for (const r of rounds) {
    rows.push([
      r.server,
      String(r.round),
      r.perSecond.toFixed(0),
      ms(r.p50),
      ms(r.p99),
      `${r.rssMiB.toFixed(0)} MiB`,
      String(r.errors),
      ms(r.serverCpuMs),
      ms(r.postgresCpuMs),
    ]);
  }
  const ratios: number[] = [];
  for (const round of new Set(rounds.map((r) => r.round))) {
    const app = rounds.find((r) => r.round === round && r.server === "next")!;
    const floor = rounds.find((r) => r.round === round && r.server === "floor")!;
    ratios.push(app.perSecond / floor.perSecond);
  }
  const summary = (name: string) => {
    const mine = rounds.filter((r) => r.server === name);
    const all = mine.flatMap((r) => r.latencies);
    return [
      `${name} (all rounds)`,
      "",
      median(mine.map((r) => r.perSecond)).toFixed(0),
      ms(percentile(all, 50)),
      ms(percentile(all, 99)),
      `${Math.max(...mine.map((r) => r.rssMiB)).toFixed(0)} MiB`,
      String(mine.reduce((sum, r) => sum + r.errors, 0)),
      ms(median(mine.map((r) => r.serverCpuMs))),
      ms(median(mine.map((r) => r.postgresCpuMs))),
    ];
  };
  rows.push(summary("next"), summary("floor"));
  const ratio = median(ratios);
  // What the throughput ratio would be where CPU is the only limit: less at the mercy of
  // whatever else the machine runs than deliveries/s.
  const cpuPerDelivery = (name: string) => {
    const mine = rounds.filter((r) => r.server === name);
    return median(mine.map((r) => r.serverCpuMs)) + median(mine.map((r) => r.postgresCpuMs));
  };
  console.log(`\n${title}\n${table(rows)}`);
  console.log(`ratio next/floor (median of per-round ratios ${ratios.map((r) => r.toFixed(2)).join(", ")}): ${ratio.toFixed(2)}`);
  console.log(
    `CPU per delivery, server + Postgres: next ${ms(cpuPerDelivery("next"))}, floor ${ms(cpuPerDelivery("floor"))} ` +
      `(ratio ${(cpuPerDelivery("floor") / cpuPerDelivery("next")).toFixed(2)})`,
  );
  return {
    ratio,
    p99: percentile(rounds.filter((r) => r.server === "next").flatMap((r) => r.latencies), 99),
    totalCpuMs: { next: cpuPerDelivery("next"), floor: cpuPerDelivery("floor") },
  };
}

async function ingestRounds(mix: Mix, next: Server, floor: Server, tenantId: string, businessNumberId: string): Promise<Round[]> {
  const phoneNumberId = "999000000000777";
  const campaign = Math.ceil(options.n / 3);
  // Redeliveries are the same bytes every round: one tag, one timestamp.
  const sentAt = Math.floor(Date.now() / 1000);
  const specFor = (tag: string, size: number): DeliverySpec =>
    mix === "status"
      ? { kind: "status", phoneNumberId, tag, messages: Math.ceil(size / 3) }
      : mix === "redelivered"
        ? { kind: "inbound", phoneNumberId, tag: "redelivered", count: size, customers: options.customers, sentAt }
        : { kind: "inbound", phoneNumberId, tag, count: size, customers: options.customers };
  const prepareFor = (spec: DeliverySpec) => async () => {
    if (mix === "redelivered") return;
    await clearWebhookData();
    if (spec.kind === "status") await seedCampaign(tenantId, businessNumberId, spec.tag, spec.messages);
  };

  if (mix === "redelivered") {
    await clearWebhookData();
    const spec = specFor("", options.n);
    const first = await runLoad({ url: webhookUrl(floor), appSecret, spec, mode: { kind: "closed", concurrency: options.concurrency } });
    await verify(mix, spec, first, "first delivery");
  }

  // JIT, connection pools and Next.js's lazily loaded route: warm both before measuring.
  for (const server of [next, floor]) {
    const spec = specFor(`warm${server.name}${mix}`, mix === "redelivered" ? Math.min(warm, options.n) : warm);
    await measure(server, mix, spec, 0, prepareFor(spec));
  }
  const rounds: Round[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const server of round % 2 === 1 ? [next, floor] : [floor, next]) {
      const spec = specFor(`r${round}${server.name}${mix}`, mix === "status" ? campaign * 3 : options.n);
      const result = await measure(server, mix, spec, round, prepareFor(spec));
      rounds.push(result);
      process.stdout.write(`  ${mix} round ${round} ${server.name}: ${result.perSecond.toFixed(0)}/s, p99 ${ms(result.p99)}\n`);
    }
  }
  return rounds;
}

/** One POST, answered; the time of the answer's last byte. */
function postDelivery(agent: http.Agent, url: string, body: Buffer): Promise<number> {
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
        response.on("end", () => (response.statusCode === 200 ? resolve(performance.now()) : reject(new Error(`probe answered ${response.statusCode}`))));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

type Probe = { sendToVisible: number; ackToVisible: number };

async function ackToVisible(next: Server, slug: string) {
  await clearWebhookData();
  const cookie = await signIn(next.url, login.email, login.password);
  const probeWaId = customerWaId(9_999_999);
  let waiting: { resolve: (at: number) => void } | null = null;
  let conversationId: string | null = null;
  let firstSeen: ((event: StreamEvent) => void) | null = null;
  let backgroundEvents = 0;
  const stream = await openEventStream(`${next.url}/api/w/${slug}/events`, cookie, (event) => {
    if (event.type !== "message.created") return;
    const data = event.data as { conversationId: string };
    if (conversationId === null) firstSeen?.(event);
    else if (data.conversationId === conversationId) waiting?.resolve(event.at);
    else backgroundEvents++;
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let sequence = 0;
  const probe = async (): Promise<Probe> => {
    const body = simulatedTextDelivery({ to: "999000000000777", from: probeWaId, text: "probe", wamid: `wamid.BENCH.PROBE.${sequence++}` });
    const visible = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("a probe's event did not arrive within 5 s")), 5000);
      waiting = { resolve: (at) => (clearTimeout(timer), resolve(at)) };
    });
    const sent = performance.now();
    const acked = await postDelivery(agent, webhookUrl(next), body);
    const seen = await visible;
    waiting = null;
    return { sendToVisible: seen - sent, ackToVisible: seen - acked };
  };
  /** One probe at a time, `gapMs` apart, for `durationMs`. */
  const probes = async (durationMs: number, gapMs: number) => {
    const results: Probe[] = [];
    const until = performance.now() + durationMs;
    while (performance.now() < until) {
      results.push(await probe());
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    return results;
  };

  // The probe customer's first message creates its conversation; its id tells its events apart.
  const seenFirst = new Promise<void>((resolve) => (firstSeen = () => resolve()));
  await postDelivery(agent, webhookUrl(next), simulatedTextDelivery({ to: "999000000000777", from: probeWaId, text: "first", wamid: "wamid.BENCH.PROBE.first" }));
  await seenFirst;
  conversationId = await conversationOf(probeWaId);
  if (!conversationId) throw new Error("the probe's conversation was not stored");

  const idle = await probes(args.quick ? 1000 : 3000, 20);
  const background = runLoad({
    url: webhookUrl(next),
    appSecret,
    spec: { kind: "inbound", phoneNumberId: "999000000000777", tag: "background", count: options.ackRate * (options.ackSeconds + 30), customers: options.customers },
    mode: { kind: "rate", perSecond: options.ackRate, maxInFlight: options.concurrency } satisfies LoadMode,
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rss = sampleRss(next.child.pid!);
  const loaded = await probes(options.ackSeconds * 1000, 100);
  const rssMiB = rss.stop();
  running.loadGenerator!.send({ type: "stop" } satisfies ToLoadGenerator);
  const load = await background;
  stream.close();
  agent.destroy();
  if (load.errors > 0) throw new Error(`background load had ${load.errors} errors: ${load.errorSamples.join(" | ")}`);
  const stored = await storedCounts();
  const expected = load.ok + idle.length + loaded.length + 1;
  if (stored.inbound !== expected) throw new Error(`ack to visible: ${stored.inbound} messages stored, ${expected} acknowledged`);
  return { idle, loaded, load, rssMiB, backgroundEvents };
}

function reportAck(result: Awaited<ReturnType<typeof ackToVisible>>) {
  const row = (name: string, probes: Probe[]) => {
    const ack = probes.map((p) => p.ackToVisible);
    const send = probes.map((p) => p.sendToVisible);
    return [name, String(probes.length), ms(percentile(ack, 50)), ms(percentile(ack, 95)), ms(percentile(send, 50)), ms(percentile(send, 95)), String(probes.filter((p) => p.ackToVisible <= 0).length)];
  };
  const rate = (result.load.ok / result.load.elapsedMs) * 1000;
  console.log(`\nAck to visible (probe message → its message.created on the SSE stream of a signed-in client)`);
  console.log(
    table([
      ["", "probes", "ack→visible p50", "p95", "send→visible p50", "p95", "event before 200"],
      row("idle", result.idle),
      row(`under ${rate.toFixed(0)} deliveries/s`, result.loaded),
    ]),
  );
  console.log(
    `background: ${result.load.ok} deliveries, 0 errors, p99 ${ms(percentile(result.load.latenciesMs, 99))}; ` +
      `${result.backgroundEvents} of their events reached the client; next peak RSS ${result.rssMiB.toFixed(0)} MiB`,
  );
  console.log("(ack→visible below 0: the event reached the client before the webhook's 200 did)");
  return percentile(result.loaded.map((p) => p.ackToVisible), 95);
}

function printCost(label: string, { statements, promises }: DeliveryCost) {
  console.log(`  ${label}: ${statements.length} statements, ${promises} promises`);
  if (args["show-statements"]) for (const s of statements) console.log(`      ${s.length > 150 ? `${s.slice(0, 150)}…` : s}`);
}

async function main(): Promise<boolean> {
  console.log(`Switchboard webhook bench — ${await describeMachine(serverUrl)}`);
  console.log(`n ${options.n}, concurrency ${options.concurrency}, rounds ${options.rounds}, warm ${warm}, customers ${options.customers}, pool ${process.env.DATABASE_POOL_MAX ?? 10} connections per server`);
  console.log(
    `both servers' Node flags: ${nodeFlags.length > 0 ? nodeFlags.join(" ") : "none (Node's defaults)"}` +
      `${args["node-flags"] === undefined ? " (npm start's)" : ""}; floor requests ${args["floor-async-context"] ? "inside AsyncLocalStorage.run()" : "without an async context"}`,
  );

  const stale = buildStaleness();
  if (stale) {
    console.log(`Building the production server: ${stale}.`);
    buildProduction();
  } else console.log("Using the existing production build (.next is newer than its sources).");

  await createPostgresDatabase(serverUrl, databaseName);
  running.databaseCreated = true;
  console.log(`Database ${databaseName} on ${new URL(serverUrl).host}`);

  const next = startNext(serverEnv, nextPort, workDir, serverNodeArgs);
  servers.push(next);
  // The Next.js server migrates the fresh database at start-up; the floor starts once it has.
  await waitUntilHealthy(next, "/api/health");
  const floor = startFloor({ ...serverEnv, FLOOR_ASYNC_CONTEXT: args["floor-async-context"] ? "1" : "" }, floorPort, workDir, serverNodeArgs);
  servers.push(floor);
  await waitUntilHealthy(floor, "/health");
  running.loadGenerator = await startLoadGenerator();

  const { workspace, number } = await createBenchWorkspace(login);
  const checks: string[] = [];

  console.log("\nPer delivery: statements (postgres.js round trips, BEGIN/COMMIT included) and promises created:");
  const probeBody = (i: number) =>
    simulatedTextDelivery({ to: "999000000000777", from: customerWaId(1), text: "count", wamid: `wamid.BENCH.COUNT.${i}` });
  printCost("inbound, new customer", await costOf(benchDatabaseUrl, probeBody(1)));
  printCost("inbound, known customer", await costOf(benchDatabaseUrl, probeBody(2)));
  printCost("redelivery (already stored)", await costOf(benchDatabaseUrl, probeBody(2)));
  await clearWebhookData();
  await seedCampaign(workspace.id, number.id, "count", 1);
  const [sent, delivered] = buildDeliveries({ kind: "status", phoneNumberId: "999000000000777", tag: "count", messages: 1 });
  await costOf(benchDatabaseUrl, sent!);
  printCost("status (delivered, moves the message)", await costOf(benchDatabaseUrl, delivered!));

  const withTargets = [
    { part: "ingest", mix: "inbound", label: "inbound", title: `Webhook ingest: ${options.n} new inbound text messages per round` },
    { part: "status", mix: "status", label: "statuses", title: `Status updates: sent/delivered/read for ${Math.ceil(options.n / 3)} outbound messages per round` },
  ] as const;
  const measured: Array<{ label: string; report: Report }> = [];
  for (const { part, mix, label, title } of withTargets) {
    if (!parts.includes(part)) continue;
    const result = report(`${title}, concurrency ${options.concurrency}`, await ingestRounds(mix, next, floor, workspace.id, number.id));
    measured.push({ label, report: result });
    const { ratio, p99 } = result;
    checks.push(`${label}: ratio ${ratio.toFixed(2)} ${ratio >= 0.8 ? "≥" : "<"} 0.8, next p99 ${ms(p99)} ${p99 <= 50 ? "≤" : ">"} 50 ms`);
  }
  if (parts.includes("redelivered")) {
    const redelivered = report(
      `Redeliveries (${options.n} stored deliveries sent again each round: the same route, the same empty 200, 2 statements), concurrency ${options.concurrency}`,
      await ingestRounds("redelivered", next, floor, workspace.id, number.id),
    );
    // A redelivery runs the same code in both servers (read the body, check the signature,
    // find the stored copy, answer 200 with no body) and little of it, so what next spends
    // beyond the floor is close to the framework's own cost per request.
    const frameworkMs = redelivered.totalCpuMs.next - redelivered.totalCpuMs.floor;
    console.log(`Next.js's own CPU per request (next − floor, redeliveries): ${ms(frameworkMs)}`);
    for (const { label, report: mixReport } of measured) {
      const floorMs = mixReport.totalCpuMs.floor;
      console.log(
        `Best ${label} ratio by CPU with that cost on top of the floor's ${ms(floorMs)} per delivery: ` +
          `${(floorMs / (floorMs + frameworkMs)).toFixed(2)} (measured: ${(floorMs / mixReport.totalCpuMs.next).toFixed(2)}; ` +
          `next's remaining extra, ${ms(mixReport.totalCpuMs.next - floorMs - frameworkMs)} per delivery, grows with the ingest's own work)`,
      );
    }
    checks.push(`redeliveries: ratio ${redelivered.ratio.toFixed(2)} (no target: the framework's cost with little work)`);
  }
  if (parts.includes("ack")) {
    const p95 = reportAck(await ackToVisible(next, workspace.slug));
    checks.push(`ack→visible p95 ${ms(p95)} ${p95 <= 200 ? "≤" : ">"} 200 ms`);
  }
  console.log(`\nTargets: ${checks.join("; ")}. Every round stored exactly what was sent.`);
  console.log(`Load average at the end: ${loadAverage()} (1 / 5 / 15 min)`);
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
