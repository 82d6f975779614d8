/**
 * The job thread's entry (lib/server/jobs-thread.ts): the process's job worker on connections
 * of its own, until told to stop; then the jobs in hand finish, its connections close and the
 * thread ends.
 */
import fs from "node:fs";
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { closeDatabase, installDatabase, openDatabase } from "@/db/client";
import { configFromEnv } from "@/db/config";
import { shareAnswersInFlight } from "@/lib/ingest/answers-first";
import { startJobWorker } from "./background-jobs";
import { jobsThreadReady, type JobsThreadData, type JobsThreadMessage } from "./jobs-thread";

const { databaseUrl, answersInFlight } = workerData as JobsThreadData;
shareAnswersInFlight(answersInFlight);
lowerOwnPriority();
// The pool's size as the server's own; the url the server's, whatever the environment says.
const handle = openDatabase(configFromEnv({ ...process.env, DATABASE_URL: databaseUrl }));
installDatabase(handle);
const worker = startJobWorker(handle);
parentPort!.postMessage(jobsThreadReady);

parentPort!.on("message", (message: JobsThreadMessage) => {
  if (message === "wake") return worker.wake();
  void worker
    .stop()
    .then(closeDatabase)
    .finally(() => process.exit(0));
});

/**
 * Asks the OS to run this thread after the request thread when both want a core (Linux keeps a
 * nice value per thread): measured at concurrency 32 with Postgres on the same 2 cores, the
 * webhook answered 0.36× the floor's rate with the threads equal and 0.39–0.46× with this.
 * Elsewhere, or where it is refused, the thread runs at the process's priority.
 */
function lowerOwnPriority(): void {
  try {
    const threadId = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
    os.setPriority(threadId, 10);
  } catch {
    // Not Linux, or not allowed: equal priority only costs the answers some speed under load.
  }
}
