import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inArray, sql } from "drizzle-orm";
import { closeDatabase, database, db, installDatabase, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { messages, webhookDeliveries } from "@/db/schema";
import { signUp } from "@/lib/workspace/signup";
import { resetEnvForTests } from "@/lib/config/env";
import { addNumber } from "@/lib/workspace/numbers";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { signatureHeaderName, signBody } from "@/lib/whatsapp/signature";
import { defer } from "./cleanup";
import { startCluster, type Cluster } from "./cluster";
import type { ServerEnv } from "./server";

/**
 * What every suite needs: secrets shared by this process (which signs, sets up and checks)
 * and the servers under test, a workspace owning a sandbox number, deliveries to it, and
 * a look at what the database holds.
 */
function configure(databaseUrl: string): ServerEnv {
  const serverEnv: ServerEnv = {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: "10",
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-reliability-")),
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    WHATSAPP_APP_SECRET: randomBytes(16).toString("hex"),
    WHATSAPP_VERIFY_TOKEN: randomBytes(16).toString("hex"),
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    // The suites' number is a sandbox number: production servers must be told they may take one.
    META_APP_ID: "670843887433847",
    SANDBOX_NUMBERS: "on",
    // Production needs a mail server; these runs send no mail, and port 9 (discard) would take none.
    SMTP_URL: "smtp://127.0.0.1:9",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  defer(() => fs.rmSync(serverEnv.DATA_DIR!, { recursive: true, force: true }));
  Object.assign(process.env, serverEnv);
  resetEnvForTests();
  installDatabase(openDatabase({ kind: "postgres", url: databaseUrl, poolMax: 4 }));
  return serverEnv;
}

export type World = { slug: string; tenantId: string; phoneNumberId: string; email: string; password: string };

async function createWorld(): Promise<World> {
  await migrateDatabase(database());
  const email = `owner-${randomBytes(4).toString("hex")}@reliability.test`;
  const password = "reliability-password-1";
  const owner = await signUp({ name: "Reliability Owner", email, password, workspaceName: "Reliability" }, { emailVerified: true });
  const phoneNumberId = `999${Date.now()}`.slice(0, 15);
  await addNumber(
    { actor: { tenantId: owner.workspace.id, userId: owner.user.id, role: "owner" } },
    { phoneNumberId, label: "Load line", displayNumber: "+1 555 010 0077", wabaId: "104400000000077", accessToken: undefined },
  );
  return { slug: owner.workspace.slug, tenantId: owner.workspace.id, phoneNumberId, email, password };
}

/**
 * A suite's ground: its own Postgres cluster, the servers' environment pointing at it, and a
 * workspace owning a sandbox number; all of it undone when the suite ends.
 */
export async function setUpWorld(): Promise<{ cluster: Cluster; serverEnv: ServerEnv; world: World }> {
  const cluster = await startCluster();
  defer(() => cluster.destroy());
  const serverEnv = configure(cluster.url("switchboard"));
  defer(() => closeDatabase());
  return { cluster, serverEnv, world: await createWorld() };
}

export type Delivery = { wamid: string; body: Buffer };

export function deliveries(world: World, count: number, prefix: string): Delivery[] {
  return Array.from({ length: count }, (_, i) => {
    const wamid = `wamid.${prefix}${String(i).padStart(6, "0")}`;
    const from = `1555${String(i % 50).padStart(7, "0")}`;
    return { wamid, body: simulatedTextDelivery({ to: world.phoneNumberId, from, text: `${prefix} ${i}`, wamid }) };
  });
}

export type Answer = { wamid: string; status: number | "timeout" | "error"; ms: number; phase: string };

/** Posts a delivery as Meta does; a request Meta would give up on (15 s) is a timeout. */
export async function send(url: string, delivery: Delivery, phase: string): Promise<Answer> {
  const started = performance.now();
  const signature = signBody(delivery.body, process.env.WHATSAPP_APP_SECRET!);
  let status: Answer["status"];
  try {
    const response = await fetch(`${url}/api/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", [signatureHeaderName]: signature },
      body: new Uint8Array(delivery.body),
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    status = response.status;
  } catch (error) {
    // A connection the server dropped (it was killed) is no answer at all.
    status = (error as Error).name === "TimeoutError" ? "timeout" : "error";
  }
  return { wamid: delivery.wamid, status, ms: performance.now() - started, phase };
}

/** Sends deliveries `concurrency` at a time until they run out or `stop` is called. */
export function startLoad(options: { url: () => string; queue: Delivery[]; concurrency: number; phase: () => string }) {
  const answers: Answer[] = [];
  let stopped = false;
  let next = 0;
  const worker = async () => {
    while (!stopped && next < options.queue.length) {
      const delivery = options.queue[next++]!;
      answers.push(await send(options.url(), delivery, options.phase()));
    }
  };
  const running = Promise.all(Array.from({ length: options.concurrency }, worker));
  return {
    answers,
    acknowledged: () => answers.filter((a) => a.status === 200).length,
    stop: async () => {
      stopped = true;
      await running;
      return answers;
    },
    finished: running,
  };
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Which of these wamids are stored as messages. */
export async function storedWamids(wamids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < wamids.length; i += 1000) {
    const rows = await db().select({ wamid: messages.wamid }).from(messages).where(inArray(messages.wamid, wamids.slice(i, i + 1000)));
    for (const row of rows) found.add(row.wamid!);
  }
  return found;
}

export async function deliveryStates(): Promise<Record<string, number>> {
  const rows = await db()
    .select({ state: webhookDeliveries.state, n: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .groupBy(webhookDeliveries.state);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

export async function messageCount(): Promise<number> {
  const [row] = await db().select({ n: sql<number>`count(*)::int` }).from(messages);
  return row!.n;
}

/**
 * What applying the messages caused, beyond the rows (unique keys alone would make row counts
 * pass): unread counts summed over conversations, `message.created` outbox events, and the
 * pipeline's unfinished work (items pending, deliveries not split).
 */
export async function sideEffects(): Promise<{ messages: number; unread: number; createdEvents: number; pendingItems: number; unsplit: number }> {
  const [row] = (await db().execute(sql`select
      (select count(*)::int from messages) as messages,
      (select coalesce(sum(unread_count), 0)::int from conversations) as unread,
      (select count(*)::int from outbox_events where type = 'message.created') as "createdEvents",
      (select count(*)::int from ingest_items where state = 'pending') as "pendingItems",
      (select count(*)::int from webhook_deliveries where state = 'received') as unsplit`)) as unknown as [
    { messages: number; unread: number; createdEvents: number; pendingItems: number; unsplit: number },
  ];
  return row!;
}


/** Counts of answers by status, for the report. */
export function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[String(a.status)] = (counts[String(a.status)] ?? 0) + 1;
  return counts;
}
