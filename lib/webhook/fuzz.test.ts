import { and, count, eq, gt, inArray, or } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { db } from "@/db/client";
import { ingestItems, webhookDeliveries } from "@/db/schema";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { resetEnvForTests } from "@/lib/config/env";
import { inParallel } from "@/testing/parallel";
import { countFromEnv, seededRandom, seedFromEnv } from "@/testing/prng";
import { fixtureBytes, fixtureNames } from "@/testing/fixtures";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { mutateDelivery } from "@/testing/fuzz-payloads";
import { deliver, messageByWamid } from "@/testing/webhook";
import { maxDeliveryBytes } from "@/lib/ingest/receive";

/**
 * Reliability suite d: signed deliveries mutated from every fixture. Whatever arrives, the
 * endpoint answers 200 (stored) or a 4xx that says why, never throws, and no message or status
 * fails to apply (a failure would mean the database refused something the split let through:
 * it would be retried until quarantined). What the split cannot read is quarantined at once,
 * with its reason. FUZZ_CASES=10000 for the docs
 * run; FUZZ_SEED=<seed> replays a run.
 */
const cases = countFromEnv("FUZZ_CASES", 1000);
const random = seededRandom(seedFromEnv("FUZZ_SEED"));

let tenantA: string;

beforeAll(async () => {
  // Thousands of refusals, each logged as a warning, would bury the result.
  process.env.LOG_LEVEL = "error";
  resetEnvForTests();
  tenantA = (await createTestWorkspace("Alpha")).id;
  const b = (await createTestWorkspace("Bravo")).id;
  await createTestNumber(tenantA, "110000000000001");
  await createTestNumber(tenantA, "110000000000002", "Second line");
  await createTestNumber(b, "220000000000001");
});

it("stores a text with an escaped NUL or a lone surrogate, which Postgres cannot hold, with U+FFFD in their place", async () => {
  const wamid = "wamid.FUZZ-NUL";
  const body = simulatedTextDelivery({ to: "110000000000001", from: "5215512345678", text: "a\u0000b\ud800c", wamid });
  expect((await deliver(body)).status).toBe(200);
  expect((await messageByWamid(tenantA, wamid))?.text).toBe("a\ufffdb\ufffdc");
});

it("quarantines a message whose id is too long for an index (a wamid of 10,000 characters) at once, with the reason, not as a failure", async () => {
  const wamid = `wamid.${"X".repeat(10_000)}`;
  expect((await deliver(simulatedTextDelivery({ to: "110000000000001", from: "5215512345678", text: "long id", wamid }))).status).toBe(200);
  expect(await messageByWamid(tenantA, wamid)).toBeUndefined();
  const quarantined = await db().select().from(ingestItems).where(eq(ingestItems.state, "quarantined"));
  expect(quarantined).toMatchObject([{ kind: "message", attempts: 0, path: "entry[0].changes[0].value.messages[0]" }]);
  expect(quarantined[0]!.lastError).toMatch(/^id: /);
});

it(`answers ${cases} mutated signed deliveries with 200 or a clear 4xx, and processes every stored one`, { timeout: 600_000 }, async () => {
  console.log(`fuzz: ${cases} cases, seed ${random.seed} (replay with FUZZ_SEED=${random.seed})`);
  const fixtures = fixtureNames("whatsapp").map((name) => fixtureBytes("whatsapp", name));
  const statuses: Record<number, number> = {};
  const indexes = Array.from({ length: cases }, (_, i) => i);
  await inParallel(indexes, 4, async (i) => {
    // Drawn synchronously as each case starts, so cases come in index order and the seed
    // replays them whatever the timing.
    const fuzz = mutateDelivery(random.pick(fixtures), random, `F${i}`);
    const described = `case ${i} (seed ${random.seed}): ${fuzz.mutations.join(", ")}`;
    const answer = await deliver(fuzz.body).catch((error: unknown) => {
      throw new Error(`${described} threw ${String(error)}`);
    });
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const expected = fuzz.body.byteLength > maxDeliveryBytes ? 413 : 200;
    expect(answer.status, described).toBe(expected);
    // A refusal says why; an acknowledgement is the status alone (Meta reads nothing else).
    if (answer.status !== 200) expect(answer.body.length, described).toBeGreaterThan(0);
  });
  const unsplit = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.state, "received"));
  expect(unsplit.map((d) => d.id)).toEqual([]);
  const failed = await db()
    .select()
    .from(ingestItems)
    .where(and(inArray(ingestItems.kind, ["message", "status"]), or(eq(ingestItems.state, "pending"), gt(ingestItems.attempts, 0))));
  expect(failed.map((i) => `${i.path}: ${i.lastError}`)).toEqual([]);
  const [stored] = await db().select({ n: count() }).from(webhookDeliveries);
  console.log(`fuzz: answers ${JSON.stringify(statuses)}, ${stored!.n} distinct deliveries stored, 0 failed`);

  // And the endpoint still works as before.
  const wamid = "wamid.FUZZ-AFTERWARDS";
  const after = await deliver(simulatedTextDelivery({ to: "110000000000001", from: "5215512345678", text: "still here", wamid }));
  expect(after.status).toBe(200);
  expect((await messageByWamid(tenantA, wamid))?.text).toBe("still here");
});
