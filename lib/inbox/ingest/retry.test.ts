import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { businessNumbers, phoneNumberRoutes, webhookDeliveries } from "@/db/schema";
import { withPlatform } from "@/db/platform";
import { withTenant } from "@/db/tenant";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { deliver, deliveryRows, workspaceData } from "@/testing/webhook";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { pendingDeliveryIds, storeDelivery } from "./deliveries";
import { retryPendingDeliveries, retrySchedule } from "./retry";

let a: string;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  await createTestNumber(a, "110000000000001");
});

/**
 * A route without its business number: the delivery is stored and routed, but storing the
 * message fails, as any processing failure after the delivery was kept would.
 */
async function brokenNumber(phoneNumberId: string) {
  const tenantId = (await createTestWorkspace("Broken")).id;
  await withPlatform((tx) => tx.insert(phoneNumberRoutes).values({ phoneNumberId, workspaceId: tenantId }));
  const repair = () =>
    withTenant(tenantId, (tx) =>
      tx.insert(businessNumbers).values({ tenantId, phoneNumberId, displayNumber: `+${phoneNumberId}`, wabaId: "1044", label: "Main" }),
    );
  return { tenantId, repair };
}

it("answers 200 for a stored delivery whose processing failed, keeps the error, and stores it once on retry", async () => {
  const { tenantId, repair } = await brokenNumber("660000000000006");
  const body = simulatedTextDelivery({ to: "660000000000006", from: "15550000020", text: "are you open?", wamid: "wamid.RETRY1" });

  expect((await deliver(body)).status).toBe(200);
  const [failed] = (await deliveryRows()).filter((d) => d.rawBody.includes("wamid.RETRY1"));
  expect(failed).toMatchObject({ state: "failed", attempts: 1, processedAt: null });
  expect(failed!.error).toContain("660000000000006");
  expect(failed!.error).not.toContain("are you open?");

  await repair();
  expect(await retryPendingDeliveries()).toMatchObject({ retried: 1, processed: 1, failed: 0 });
  expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(["are you open?"]);
  const [processed] = (await deliveryRows()).filter((d) => d.id === failed!.id);
  expect(processed).toMatchObject({ state: "processed", attempts: 2, error: null });

  expect(await retryPendingDeliveries()).toMatchObject({ retried: 0 });
  expect((await deliver(body)).status).toBe(200);
  expect((await workspaceData(tenantId)).messages).toHaveLength(1);
});

it("processes a failed delivery again when Meta redelivers it", async () => {
  const { tenantId, repair } = await brokenNumber("770000000000007");
  const body = simulatedTextDelivery({ to: "770000000000007", from: "15550000021", text: "hello", wamid: "wamid.RETRY2" });
  await deliver(body);
  await repair();
  expect((await deliver(body)).status).toBe(200);
  expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(["hello"]);
  expect((await deliveryRows()).filter((d) => d.rawBody.includes("wamid.RETRY2"))).toMatchObject([{ state: "processed" }]);
});

it("leaves deliveries past their automatic attempts to start-up and the operator", async () => {
  const { tenantId, repair } = await brokenNumber("880000000000008");
  await deliver(simulatedTextDelivery({ to: "880000000000008", from: "15550000022", text: "late", wamid: "wamid.RETRY3" }));
  expect(await retryPendingDeliveries({ maxAttempts: 2 })).toMatchObject({ retried: 1, failed: 1 });
  expect(await retryPendingDeliveries({ maxAttempts: 2 })).toMatchObject({ retried: 0 });

  await repair();
  expect(await retryPendingDeliveries()).toMatchObject({ retried: 1, processed: 1 });
  expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(["late"]);
});

it("finishes a delivery that was stored but never processed, once it is no longer in flight", async () => {
  const body = simulatedTextDelivery({ to: "110000000000001", from: "15550000023", text: "stored only", wamid: "wamid.RETRY4" });
  // What a server that stopped between storing and processing leaves behind.
  const stored = await storeDelivery(body);
  expect(stored).toMatchObject({ state: "received", isNew: true });

  expect(await retryPendingDeliveries({ receivedBefore: new Date(Date.now() - 60_000) })).toMatchObject({ retried: 0 });
  expect(await retryPendingDeliveries()).toMatchObject({ retried: 1, processed: 1 });
  expect((await workspaceData(a)).messages.map((m) => m.text)).toEqual(["stored only"]);
});

describe("the schedule: everything at start-up, then every minute what is 2 minutes old and has had fewer than 10 attempts", () => {
  const now = new Date("2031-07-01T12:00:00Z");
  const seeded = {
    "failed, 9 attempts, 2m01s old": { state: "failed", attempts: 9, receivedAt: "2031-07-01T11:57:59Z" },
    "failed, 10 attempts, 2m01s old": { state: "failed", attempts: 10, receivedAt: "2031-07-01T11:57:59Z" },
    "failed, 1 attempt, an hour old": { state: "failed", attempts: 1, receivedAt: "2031-07-01T11:00:00Z" },
    "failed, 1 attempt, 1m59s old": { state: "failed", attempts: 1, receivedAt: "2031-07-01T11:58:01Z" },
    "never processed, 2m01s old": { state: "received", attempts: 0, receivedAt: "2031-07-01T11:57:59Z" },
    "never processed, 1m59s old": { state: "received", attempts: 0, receivedAt: "2031-07-01T11:58:01Z" },
    "processed, an hour old": { state: "processed", attempts: 1, receivedAt: "2031-07-01T11:00:00Z" },
    "ignored, an hour old": { state: "ignored", attempts: 1, receivedAt: "2031-07-01T11:00:00Z" },
  } as const;
  const names = new Map<string, string>();

  beforeAll(async () => {
    for (const [name, row] of Object.entries(seeded)) {
      const [inserted] = await db()
        .insert(webhookDeliveries)
        .values({ rawBody: "{}", bodySha256: `schedule ${name}`, state: row.state, attempts: row.attempts, receivedAt: new Date(row.receivedAt) })
        .returning({ id: webhookDeliveries.id });
      names.set(inserted!.id, name);
    }
  });

  const selected = async (options: Parameters<typeof pendingDeliveryIds>[0]) =>
    (await pendingDeliveryIds(options)).flatMap((id) => names.get(id) ?? []).sort();

  it("retries at start-up every failure and every unprocessed delivery, whatever its attempts and however recent", async () => {
    expect(await selected(retrySchedule(now).startUp)).toEqual([
      "failed, 1 attempt, 1m59s old",
      "failed, 1 attempt, an hour old",
      "failed, 10 attempts, 2m01s old",
      "failed, 9 attempts, 2m01s old",
      "never processed, 1m59s old",
      "never processed, 2m01s old",
    ]);
  });

  it("retries every minute only what is over 2 minutes old, and failures only below 10 attempts", async () => {
    expect(await selected(retrySchedule(now).everyMinute)).toEqual([
      "failed, 1 attempt, an hour old",
      "failed, 9 attempts, 2m01s old",
      "never processed, 2m01s old",
    ]);
  });
});
