import { eq } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { database, db } from "@/db/client";
import { jobs, jobSchedules } from "@/db/schema";
import { onPostgres, whileTableLocked } from "@/testing/db/interleaved";
import { splitQueue } from "@/lib/ingest/queues";
import { enqueue } from "@/lib/jobs/queue";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { splitJobKey, splitMaxAttempts, splitShards, storeDelivery } from "@/lib/ingest/deliveries";
import { stopProcessWorker } from "@/lib/jobs/process-worker";
import { workspaceData } from "@/testing/webhook";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { startBackgroundJobs } from "./background-jobs";

afterEach(() => stopProcessWorker());

it("schedules the eight periodic jobs and, at start, processes what a stopped server left unprocessed", async () => {
  const tenantId = (await createTestWorkspace("Alpha")).id;
  await createTestNumber(tenantId, "110000000000009");
  // Stored and answered a moment ago by a server that stopped before its worker processed it.
  await storeDelivery(db(), simulatedTextDelivery({ to: "110000000000009", from: "15550000031", text: "left behind", wamid: "wamid.START1" }));

  await startBackgroundJobs(database());
  await expect.poll(async () => (await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(["left behind"]);
  const schedules = await db().select({ name: jobSchedules.name, everySeconds: jobSchedules.everySeconds }).from(jobSchedules).orderBy(jobSchedules.name);
  expect(schedules).toEqual([
    { name: "account-mail-pruning", everySeconds: 3600 },
    { name: "embedded-vacuum", everySeconds: 60 },
    { name: "ingest-sweep", everySeconds: 10 },
    { name: "login-attempt-pruning", everySeconds: 3600 },
    { name: "number-checks", everySeconds: 21_600 },
    { name: "queue-analysis", everySeconds: 10 },
    { name: "raw-delivery-retention", everySeconds: 3600 },
    { name: "template-sync", everySeconds: 21_600 },
  ]);
});

it.runIf(onPostgres)("runs at most two split jobs at once, however many shards wait", async () => {
  const splitJobs = async () => (await db().select({ state: jobs.state }).from(jobs).where(eq(jobs.queue, splitQueue))).map((j) => j.state).sort();
  // Every split job waits on its first look at the deliveries until this lock goes.
  await whileTableLocked("webhook_deliveries", async () => {
    for (let shard = 0; shard < splitShards; shard++) {
      await enqueue(db(), splitQueue, { shard }, { dedupeKey: splitJobKey(shard), maxAttempts: splitMaxAttempts });
    }
    await startBackgroundJobs(database());
    await expect.poll(async () => (await splitJobs()).filter((state) => state === "running").length).toBeGreaterThan(0);
    expect(await splitJobs()).toEqual(["queued", "queued", "running", "running"]);
  });
  await expect.poll(splitJobs).toEqual([]);
});
