import { count, countDistinct, eq, ne, sum } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { db } from "@/db/client";
import { conversations, messages, outboxEvents, webhookDeliveries } from "@/db/schema";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { inParallel } from "@/testing/parallel";
import { countFromEnv, seededRandom, seedFromEnv } from "@/testing/prng";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { deliver } from "@/testing/webhook";

/**
 * Reliability suite a: Meta delivers at least once, so the same delivery arrives again,
 * out of order and at the same moment as its twin — sometimes byte for byte, sometimes
 * re-serialized (another body, the same message). Every copy is answered 200, and each
 * message is stored once and counted unread once. STORM_DELIVERIES=<n> for a larger run.
 */
const deliveries = countFromEnv("STORM_DELIVERIES", 150);
const concurrency = 32;
const random = seededRandom(seedFromEnv("STORM_SEED"));

const numbers = ["410000000000001", "410000000000002", "420000000000001"];
const customers = Array.from({ length: 12 }, (_, i) => `52155500${String(i).padStart(5, "0")}`);

beforeAll(async () => {
  const a = (await createTestWorkspace("Alpha")).id;
  const b = (await createTestWorkspace("Bravo")).id;
  await createTestNumber(a, numbers[0]!);
  await createTestNumber(a, numbers[1]!, "Second line");
  await createTestNumber(b, numbers[2]!);
});

it(`stores ${deliveries} deliveries, each sent 2–3 times, shuffled and concurrent, exactly once`, { timeout: 300_000 }, async () => {
  const start = Date.UTC(2026, 10, 20, 9) / 1000;
  const copies: Buffer[] = [];
  for (let i = 0; i < deliveries; i++) {
    const body = simulatedTextDelivery({
      to: random.pick(numbers),
      from: random.pick(customers),
      text: `storm message ${i}`,
      wamid: `wamid.STORM${String(i).padStart(6, "0")}`,
      sentAt: new Date((start + i) * 1000),
    });
    copies.push(body);
    for (let extra = random.int(1, 2); extra > 0; extra--) {
      copies.push(random.next() < 0.5 ? body : Buffer.from(JSON.stringify(JSON.parse(body.toString("utf8")), null, 2)));
    }
  }
  random.shuffle(copies);
  console.log(`storm: ${deliveries} deliveries as ${copies.length} requests, concurrency ${concurrency}, seed ${random.seed}`);

  const answers = await inParallel(copies, concurrency, (body) => deliver(body));

  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  const [stored] = await db().select({ n: count(), distinct: countDistinct(messages.wamid) }).from(messages);
  expect(stored).toEqual({ n: deliveries, distinct: deliveries });
  const [unread] = await db().select({ total: sum(conversations.unreadCount).mapWith(Number) }).from(conversations);
  expect(unread!.total).toBe(deliveries);
  // Every side effect once too: one message.created event per message in the outbox.
  const [created] = await db().select({ n: count() }).from(outboxEvents).where(eq(outboxEvents.type, "message.created"));
  expect(created!.n).toBe(deliveries);
  const unfinished = await db().select().from(webhookDeliveries).where(ne(webhookDeliveries.state, "processed"));
  expect(unfinished).toEqual([]);
  console.log(`storm: ${copies.length} answers 200, ${stored!.n} messages stored, ${unread!.total} unread`);
});
