import { execFileSync } from "node:child_process";
import { afterEach, expect, inject, it } from "vitest";
import { database, db } from "@/db/client";
import { storeDelivery } from "@/lib/ingest/deliveries";
import { offerJobsThread, processWorkerRunning, stopProcessWorker } from "@/lib/jobs/process-worker";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { logAtLevelInEachTest, logMark } from "@/testing/logs";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { workspaceData } from "@/testing/webhook";
import { startBackgroundJobs } from "./background-jobs";

// The embedded database serves one thread only: there the worker runs beside the requests.
const onPostgres = inject("testDatabase").kind === "postgres";

afterEach(() => stopProcessWorker());
logAtLevelInEachTest("info");

/** Blocks this thread, asking Postgres through psql, until `query` answers `expected` or 60 s pass. */
function blockUntil(query: string, expected: string): string {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 60_000;
  let answer = "";
  while (Date.now() < deadline) {
    answer = execFileSync("psql", [database().url!, "-Atc", query], { encoding: "utf8" }).trim();
    if (answer === expected) break;
    Atomics.wait(pause, 0, 0, 50);
  }
  return answer;
}

it.runIf(onPostgres)("applies deliveries on a thread of its own, while the request thread is busy", async () => {
  const log = logMark();
  const tenantId = (await createTestWorkspace("Alpha")).id;
  await createTestNumber(tenantId, "110000000000019");
  offerJobsThread(new URL("./jobs-thread-main.ts", import.meta.url));
  await startBackgroundJobs(database());

  await storeDelivery(db(), simulatedTextDelivery({ to: "110000000000019", from: "15550000041", text: "while you were busy", wamid: "wamid.THREAD1" }));
  // From here until the message is applied, nothing else runs on this thread.
  expect(blockUntil("select count(*) from messages where wamid = 'wamid.THREAD1'", "1")).toBe("1");
  expect((await workspaceData(tenantId)).messages.map((m) => m.text)).toEqual(["while you were busy"]);
  expect(log()).toMatch(/"threadId":[1-9]\d*,"event":"jobs_thread_started"/);
});

it.runIf(onPostgres)("refuses to start the server when the job thread cannot start, saying why, and tries no other", async () => {
  const log = logMark();
  offerJobsThread(new URL("data:text/javascript,throw new Error('the build is broken')"));
  const failed = startBackgroundJobs(database());
  await expect(failed).rejects.toThrow("The job thread stopped (exit 1) before its worker ran.");
  await expect(failed.catch((error: Error) => String(error.cause))).resolves.toContain("the build is broken");
  expect(processWorkerRunning()).toBe(false);
  // Longer than a restart's delay: the server failing to start is the whole answer.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const failures = log()
    .split("\n")
    .filter((line) => line.includes('"event":"jobs_thread_failed"'));
  expect(failures).toHaveLength(1);
  expect(failures[0]).toContain("the build is broken");
  expect(log()).not.toContain("jobs_thread_exited");
});

it.runIf(onPostgres)("starts a job thread again when it dies, and stops it for good when the server stops", async () => {
  const log = logMark();
  const starts = new BroadcastChannel("jobs-thread-test");
  let started = 0;
  starts.onmessage = () => started++;
  // A thread that starts its worker, then dies.
  const dying = `
    import { parentPort } from "node:worker_threads";
    new BroadcastChannel("jobs-thread-test").postMessage("started");
    parentPort.postMessage("ready");
    setTimeout(() => process.exit(3), 20);`;
  offerJobsThread(new URL(`data:text/javascript,${encodeURIComponent(dying)}`));
  try {
    await startBackgroundJobs(database());
    await expect.poll(() => started, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await stopProcessWorker();
    const stoppedAt = started;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(started).toBe(stoppedAt);
    expect(log()).toContain('"code":3,"restartInMs":1000,"event":"jobs_thread_exited"');
  } finally {
    starts.close();
  }
});

/** Starts the server's jobs on a thread running `code`, which says on a BroadcastChannel named `channel` what it does. */
async function threadSaying(channel: string, code: string): Promise<{ said: string[]; close: () => void }> {
  const said: string[] = [];
  const listening = new BroadcastChannel(channel);
  listening.onmessage = (event: MessageEvent<string>) => said.push(event.data);
  offerJobsThread(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
  await startBackgroundJobs(database());
  return { said, close: () => listening.close() };
}

it.runIf(onPostgres)("stops a running job thread for good: it ends, says nothing of dying, and is not started again", async () => {
  const log = logMark();
  const thread = await threadSaying(
    "jobs-thread-stop",
    `import { parentPort } from "node:worker_threads";
    const channel = new BroadcastChannel("jobs-thread-stop");
    channel.postMessage("started");
    parentPort.postMessage("ready");
    parentPort.on("message", (message) => {
      if (message !== "stop") return;
      channel.postMessage("stopping");
      channel.close();
      process.exit(0);
    });`,
  );
  try {
    await expect.poll(() => thread.said).toEqual(["started"]);
    // Once the thread has ended, not at the server's 10 s give-up.
    expect(await Promise.race([stopProcessWorker(60_000).then(() => "stopped"), new Promise((resolve) => setTimeout(resolve, 5_000, "still waiting"))])).toBe("stopped");
    expect(processWorkerRunning()).toBe(false);
    await expect.poll(() => thread.said).toEqual(["started", "stopping"]);
    // Longer than a restart's delay.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(thread.said).toEqual(["started", "stopping"]);
    expect(log()).not.toContain("jobs_thread_exited");
  } finally {
    thread.close();
  }
});

it.runIf(onPostgres)("stops at once while a dead job thread waits to be started again, and starts none", async () => {
  const log = logMark();
  const thread = await threadSaying(
    "jobs-thread-gap",
    `import { parentPort } from "node:worker_threads";
    new BroadcastChannel("jobs-thread-gap").postMessage("started");
    parentPort.postMessage("ready");
    setTimeout(() => process.exit(4), 20);`,
  );
  try {
    await expect.poll(() => log()).toContain('"code":4,"restartInMs":1000,"event":"jobs_thread_exited"');
    // No thread is running: nothing would ever answer a stop or exit, so stopping must not wait for one.
    const stopped = await Promise.race([stopProcessWorker().then(() => "stopped"), new Promise((resolve) => setTimeout(resolve, 500, "still waiting"))]);
    expect(stopped).toBe("stopped");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(thread.said).toEqual(["started"]);
  } finally {
    thread.close();
  }
});
