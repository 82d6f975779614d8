import type { Worker } from "./worker";

// One worker per process, kept on globalThis so dev hot reload does not start a second one, and
// so server.ts (a module graph apart from Next.js's bundle, where it is started) can stop it.
const holder = globalThis as typeof globalThis & { __switchboardWorker?: Worker; __switchboardJobsThreadEntry?: URL };

export function processWorkerRunning(): boolean {
  return holder.__switchboardWorker !== undefined;
}

export function setProcessWorker(worker: Worker): void {
  holder.__switchboardWorker = worker;
}

/**
 * The server (server.ts) says where the job thread's entry is, as built beside it; the worker
 * then runs on that thread (lib/server/background-jobs.ts). Scripts and tests that offer none
 * run it on their own thread.
 */
export function offerJobsThread(entry: URL): void {
  holder.__switchboardJobsThreadEntry = entry;
}

export function jobsThreadEntry(): URL | undefined {
  return holder.__switchboardJobsThreadEntry;
}

/**
 * Stops claiming and waits for the jobs in hand, at most `graceMs`: a job still running then
 * keeps its lease until it lapses, and another instance (or the next start) runs it again.
 */
export async function stopProcessWorker(graceMs = 10_000): Promise<void> {
  const worker = holder.__switchboardWorker;
  holder.__switchboardWorker = undefined;
  if (!worker) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([worker.stop(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
}
