import { once } from "node:events";
import { Worker as Thread } from "node:worker_threads";
import type { Worker } from "@/lib/jobs/worker";
import { log } from "@/lib/log";

/** What the server's job thread is told (lib/server/jobs-thread-main.ts). */
export type JobsThreadMessage = "wake" | "stop";
/** What it says once its worker runs. */
export const jobsThreadReady = "ready";
/** What it is started with. */
export type JobsThreadData = { databaseUrl: string; answersInFlight: Int32Array };

/** After a job thread died, how long until the next one starts. */
const restartDelayMs = 1_000;

/**
 * Runs the process's job worker on a thread of its own (`entry`, lib/server/jobs-thread-main.ts
 * as the build compiled it), on its own connections to `databaseUrl`. Applying a batch is a
 * dozen round trips to Postgres, and on the request thread each waited its turn behind the
 * webhook's answers: measured in the full bench, a reply took a p95 of 551–570 ms from its 200
 * to the open inbox under a status storm, and 306–375 ms with the jobs on this thread
 * (docs/PERFORMANCE.md, "a thread for the jobs").
 *
 * Resolves once the thread's worker runs; a thread that cannot start (its code does not load,
 * say) rejects, so that the server refuses to start rather than serve without processing. A
 * thread that dies later is logged and started again; the jobs it held are claimed again when
 * their lease lapses, as after a crash.
 */
export async function startJobsThread(entry: URL, data: JobsThreadData): Promise<Worker> {
  let stopping = false;
  let thread!: Thread;
  let running = false;
  // Only a thread that once ran is started again: the first one failing fails the server's start.
  let ranOnce = false;
  let restart: NodeJS.Timeout | undefined;
  const start = () => {
    // A TypeScript entry (tests) needs tsx where the parent was not started through it; else the
    // thread takes the parent's Node options (`npm run dev`'s tsx among them).
    const tsx = entry.pathname.endsWith(".ts") && !process.execArgv.some((arg) => arg.includes("tsx"));
    thread = new Thread(entry, {
      name: "switchboard-jobs",
      workerData: data,
      // Bounded as the server's own heap is (package.json's start flags), which Node does not
      // pass to threads: a delivery is at most 3 MB, and splitting one takes tens of MB.
      resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 128 },
      ...(tsx ? { execArgv: ["--import", "tsx"] } : {}),
    });
    running = true;
    const started = thread;
    return new Promise<void>((resolve, reject) => {
      let failure: unknown;
      started.once("message", (message) => {
        if (message !== jobsThreadReady) return;
        ranOnce = true;
        resolve();
      });
      started.on("error", (error) => {
        failure = error;
        log.error("jobs_thread_failed", { error });
      });
      started.on("exit", (code) => {
        running = false;
        reject(new Error(`The job thread stopped (exit ${code}) before its worker ran.`, { cause: failure }));
        if (stopping || !ranOnce) return;
        log.error("jobs_thread_exited", { code, restartInMs: restartDelayMs });
        restart = setTimeout(() => void start().catch(() => {}), restartDelayMs);
      });
    });
  };
  await start();
  log.info("jobs_thread_started", { threadId: thread.threadId });
  const tell = (message: JobsThreadMessage) => thread.postMessage(message);
  return {
    wake: () => tell("wake"),
    stop: async () => {
      stopping = true;
      clearTimeout(restart);
      if (!running) return;
      const exited = once(thread, "exit");
      tell("stop");
      await exited;
    },
  };
}
