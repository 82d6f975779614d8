import type { Schedule } from "./schedule";
import type { WorkerOptions } from "./worker";

/** A job that runs every `everySeconds`, once across all instances; `payload` is what each occurrence is given. */
export type PeriodicJob = {
  name: string;
  everySeconds: number;
  payload?: unknown;
  run: (payload: unknown) => Promise<unknown>;
};

/** The handlers and schedules a worker needs to run these periodic jobs. */
export function periodicWork(jobs: PeriodicJob[]): Required<Pick<WorkerOptions, "handlers" | "schedules">> {
  return {
    handlers: Object.fromEntries(
      jobs.map((job) => [
        job.name,
        async ({ payload }) => {
          await job.run(payload);
        },
      ]),
    ),
    schedules: jobs.map((job): Schedule => ({ name: job.name, everySeconds: job.everySeconds, payload: job.payload })),
  };
}
