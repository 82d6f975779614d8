import { afterEach, expect, it } from "vitest";
import { database, db } from "@/db/client";
import { jobSchedules } from "@/db/schema";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { storeDelivery } from "@/lib/ingest/deliveries";
import { stopProcessWorker } from "@/lib/jobs/process-worker";
import { workspaceData } from "@/testing/webhook";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { startBackgroundJobs } from "./background-jobs";

afterEach(() => stopProcessWorker());

it("schedules the six periodic jobs and, at start, processes what a stopped server left unprocessed", async () => {
  const tenantId = (await createTestWorkspace("Alpha")).id;
  await createTestNumber(tenantId, "110000000000009");
  // Stored and answered a moment ago by a server that stopped before its worker processed it.
  await storeDelivery(db(), simulatedTextDelivery({ to: "110000000000009", from: "15550000031", text: "left behind", wamid: "wamid.START1" }));

  await startBackgroundJobs(database());
  await expect.poll(async () => (await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(["left behind"]);
  const schedules = await db().select({ name: jobSchedules.name, everySeconds: jobSchedules.everySeconds }).from(jobSchedules).orderBy(jobSchedules.name);
  expect(schedules).toEqual([
    { name: "account-mail-pruning", everySeconds: 3600 },
    { name: "ingest-sweep", everySeconds: 10 },
    { name: "login-attempt-pruning", everySeconds: 3600 },
    { name: "number-checks", everySeconds: 21_600 },
    { name: "raw-delivery-retention", everySeconds: 3600 },
    { name: "template-sync", everySeconds: 21_600 },
  ]);
});
