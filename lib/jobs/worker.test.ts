import { eq, sql } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { database, db } from "@/db/client";
import { jobs, jobSchedules } from "@/db/schema";
import { deletesWhile, updatesWhile } from "@/testing/db/statement-counts";
import { logLines, logMark } from "@/testing/logs";
import { jobsOverview } from "./overview";
import { onPostgres, interleaved } from "@/testing/db/interleaved";
import { claimJobs, completeJob, enqueue, enqueueAll, extendLease, finishJob, jobsChannel, requeueJob, type Job } from "./queue";
import { enqueueDueOccurrences, registerSchedules } from "./schedule";
import { startWorker, type Worker, type WorkerOptions } from "./worker";

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

function worker(options: WorkerOptions): Worker {
  const started = startWorker(database(), { pollMs: 50, ...options });
  workers.push(started);
  return started;
}

const rowsOf = (queue: string) => db().select().from(jobs).where(eq(jobs.queue, queue));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** A worker whose handler for `queue` holds its job until `release` opens; `started` resolves once it runs. */
function holdingWorker(queue: string, options: Omit<WorkerOptions, "handlers">) {
  const started = gate();
  const release = gate();
  worker({
    handlers: {
      [queue]: async () => {
        started.open();
        await release.opened;
      },
    },
    ...options,
  });
  return { started: started.opened, release };
}

it("two workers racing over one queue run every job exactly once", async () => {
  const ids = [];
  for (let i = 0; i < 24; i++) ids.push(await enqueue(db(), "race", { i }));
  const ran: { worker: string; id: string }[] = [];
  // Neither worker finishes a job until both hold one: their claims overlap for sure.
  const holding = new Set<string>();
  const bothHold = gate();
  const handler = (name: string) => async (job: Job) => {
    ran.push({ worker: name, id: job.id });
    holding.add(name);
    if (holding.size === 2) bothHold.open();
    await bothHold.opened;
  };
  worker({ handlers: { race: handler("a") }, concurrency: 5 });
  worker({ handlers: { race: handler("b") }, concurrency: 5 });

  await expect.poll(async () => (await rowsOf("race")).length).toBe(0);
  expect(ran.map((r) => r.id).sort()).toEqual([...ids].sort());
  expect(new Set(ran.map((r) => r.worker))).toEqual(new Set(["a", "b"]));
});

it("reclaims a job whose claimant's lease lapsed, and the old claimant can no longer finish it", async () => {
  await enqueue(db(), "lease", { n: 1 });
  const [dead] = await claimJobs(db(), { queues: ["lease"], limit: 1, leaseMs: 60 * 60_000, worker: "dead instance" });
  expect(dead).toMatchObject({ attempts: 1 });
  // A running worker does not take a job whose lease holds.
  const attempts: number[] = [];
  const live = worker({ handlers: { lease: async (job) => void attempts.push(job.attempts) } });
  await db().execute(sql`select 1`);
  expect(await rowsOf("lease")).toMatchObject([{ state: "running", lockedBy: expect.stringMatching(/^dead instance#/) }]);
  expect(attempts).toEqual([]);

  // The instance died an hour ago.
  await db().update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.queue, "lease"));
  live.wake();
  await expect.poll(() => attempts).toEqual([2]);
  await expect.poll(async () => (await rowsOf("lease")).length).toBe(0);
  expect(await completeJob(db(), dead!)).toBe(false);
});

it("looks for lapsed leases once a poll at most, not at every wake-up: one claim statement per wake-up", async () => {
  const ran: number[] = [];
  // No poll during the test, so that every claim is a wake-up's.
  const runs = worker({ handlers: { "wake-up": async (job) => void ran.push((job.payload as { n: number }).n) }, pollMs: 60 * 60_000 });
  const claims = await updatesWhile("jobs", async () => {
    for (let n = 0; n < 10; n++) {
      // Each enqueue wakes the worker (NOTIFY), and each job's end wakes it again.
      await enqueue(db(), "wake-up", { n });
      await expect.poll(() => ran.length).toBe(n + 1);
    }
    await runs.stop();
  });
  expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Two wake-ups a job (its end, then the next enqueue), each a claim, and a look for lapsed
  // leases at the start and once a second: about 22. Looking at every wake-up made it two
  // statements each, 40 and more.
  expect(claims).toBeLessThan(30);
});

it("takes back a job whose lease lapses while wake-ups keep coming, within a second, however long its poll", async () => {
  await enqueue(db(), "lapses-meanwhile", { n: 1 });
  const [dead] = await claimJobs(db(), { queues: ["lapses-meanwhile"], limit: 1, leaseMs: 60 * 60_000, worker: "dead instance" });
  expect(dead).toMatchObject({ attempts: 1 });
  const attempts: number[] = [];
  // No poll during the test: only the wake-ups tick it, about fifty a second as on a busy webhook.
  const busy = worker({ handlers: { "lapses-meanwhile": async (job) => void attempts.push(job.attempts) }, pollMs: 60 * 60_000 });
  const wakeUps = setInterval(() => busy.wake(), 20);
  try {
    // Its first looks find the lease held: the job's claimant was alive then.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(attempts).toEqual([]);
    await db().update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.queue, "lapses-meanwhile"));
    // Looked for once a second at most, not never: neither the hour's poll nor the stream of
    // wake-ups, each too soon after the last, may put the look off.
    await expect.poll(() => attempts, { timeout: 4_000 }).toEqual([2]);
  } finally {
    clearInterval(wakeUps);
  }
});

it("removes a job once when its handler ended it itself", async () => {
  const ended: string[] = [];
  const ending = worker({
    handlers: {
      "ends-itself": async (job) => {
        expect(await finishJob(db(), job)).toBe("done");
        ended.push(job.id);
        return "ended";
      },
    },
  });
  const removals = await deletesWhile("jobs", async () => {
    for (let n = 0; n < 5; n++) {
      await enqueue(db(), "ends-itself", { n });
      await expect.poll(() => ended.length).toBe(n + 1);
    }
    // Stopped, it has removed every job it was going to.
    await ending.stop();
  });
  // The handler's own removals, and no statement after each that finds nothing to remove.
  expect(removals).toBe(5);
  expect(await rowsOf("ends-itself")).toEqual([]);
});

it("retries a failing job after a growing delay and parks it after its last attempt, with the reason", async () => {
  const log = logMark();
  await enqueue(db(), "flaky", {}, { maxAttempts: 3 });
  let calls = 0;
  const w = worker({
    handlers: {
      flaky: async () => {
        calls++;
        throw new Error(`upstream said no (${calls})`);
      },
    },
  });
  const delays: number[] = [];
  for (const attempt of [1, 2]) {
    await expect.poll(async () => (await rowsOf("flaky"))[0]).toMatchObject({ state: "queued", attempts: attempt });
    const [row] = await rowsOf("flaky");
    expect(row!.lastError).toBe(`upstream said no (${attempt})`);
    delays.push(row!.runAt.getTime() - row!.lastFailedAt!.getTime());
    // Not retried before its time: a wake-up finds nothing due.
    w.wake();
    await db().execute(sql`select 1`);
    expect(calls).toBe(attempt);
    await db().update(jobs).set({ runAt: sql`now()` }).where(eq(jobs.queue, "flaky"));
    w.wake();
  }
  expect(delays).toEqual([5_000, 10_000]);
  // Each failure told the operator, a retry as a warning and the last as an error.
  expect(logLines(log()).filter((l) => l.queue === "flaky")).toEqual([
    expect.objectContaining({ level: "warn", event: "job_failed", attempt: 1, maxAttempts: 3, error: expect.objectContaining({ message: "upstream said no (1)" }) }),
    expect.objectContaining({ level: "warn", event: "job_failed", attempt: 2, maxAttempts: 3, error: expect.objectContaining({ message: "upstream said no (2)" }) }),
  ]);

  await expect.poll(async () => (await rowsOf("flaky"))[0]).toMatchObject({ state: "parked", attempts: 3, lastError: "upstream said no (3)" });
  const overview = await jobsOverview(db());
  expect(overview.counts).toContainEqual({ queue: "flaky", state: "parked", jobs: 1 });
  expect(overview.parked).toContainEqual(expect.objectContaining({ queue: "flaky", attempts: 3, lastError: "upstream said no (3)" }));
  expect(logLines(log()).filter((l) => l.queue === "flaky").at(-1)).toMatchObject({
    level: "error",
    event: "job_parked",
    jobId: expect.any(String),
    attempt: 3,
    error: expect.objectContaining({ message: "upstream said no (3)" }),
  });
  await db().update(jobs).set({ runAt: sql`now()` }).where(eq(jobs.queue, "flaky"));
  w.wake();
  await db().execute(sql`select 1`);
  expect(calls).toBe(3);
});

it("parks, without running it again, a job whose worker died during its last attempt", async () => {
  await enqueue(db(), "fatal", {}, { maxAttempts: 1 });
  await claimJobs(db(), { queues: ["fatal"], limit: 1, leaseMs: 60_000, worker: "crashed" });
  await db().update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.queue, "fatal"));
  let calls = 0;
  worker({ handlers: { fatal: async () => void calls++ } });
  await expect.poll(async () => (await rowsOf("fatal"))[0]).toMatchObject({ state: "parked", attempts: 2 });
  expect((await rowsOf("fatal"))[0]!.lastError).toContain("lease expired");
  expect(calls).toBe(0);
});

it("a handler that completes its job in its own transaction leaves it queued when that transaction rolls back", async () => {
  await enqueue(db(), "atomic", {}, { maxAttempts: 2 });
  const outcomes: boolean[] = [];
  worker({
    handlers: {
      atomic: (job) =>
        db().transaction(async (tx) => {
          outcomes.push(await completeJob(tx, job));
          if (job.attempts === 1) throw new Error("the handler's own write failed");
        }),
    },
    backoff: () => 0,
  });
  await expect.poll(async () => (await rowsOf("atomic")).length).toBe(0);
  expect(outcomes).toEqual([true, true]);
});

it("wakes an idle worker on enqueue, though its polling interval is an hour", async () => {
  const ran: string[] = [];
  worker({ handlers: { wake: async (job) => void ran.push((job.payload as { n: string }).n) }, pollMs: 60 * 60_000 });
  // The first job may be found by the worker's first look; once it has run, the worker is idle.
  await db().transaction((tx) => enqueue(tx, "wake", { n: "first" }));
  await expect.poll(() => ran).toEqual(["first"]);
  await db().transaction((tx) => enqueue(tx, "wake", { n: "second" }));
  await expect.poll(() => ran).toEqual(["first", "second"]);
});

it("does not enqueue a job whose caller's transaction rolled back, and dedupes a live key", async () => {
  await db()
    .transaction(async (tx) => {
      await enqueue(tx, "txn", { n: 1 });
      throw new Error("caller failed");
    })
    .catch(() => {});
  expect(await rowsOf("txn")).toEqual([]);
  expect(await enqueue(db(), "txn", {}, { dedupeKey: "k" })).toEqual(expect.any(String));
  expect(await enqueue(db(), "txn", {}, { dedupeKey: "k" })).toBeNull();
  expect(await rowsOf("txn")).toHaveLength(1);
});

it("enqueues many jobs in one go, skipping the keys a live job holds, and wakes workers only when it added one", async () => {
  await enqueue(db(), "many", { n: 0 }, { dedupeKey: "b" });
  const heard: string[] = [];
  const unlisten = await database().listen(jobsChannel, (queue) => heard.push(queue));
  const entries = ["a", "b", "c"].map((key, n) => ({ payload: { n: n + 1 }, options: { dedupeKey: key } }));
  try {
    expect(await enqueueAll(db(), "many", entries)).toBe(2);
    await expect.poll(() => heard).toEqual(["many"]);
    expect(await enqueueAll(db(), "many", entries)).toBe(0);
    expect(await enqueueAll(db(), "many", [])).toBe(0);
    // Notifications arrive in commit order: once this one is heard, any from the calls above has been.
    await enqueue(db(), "many-after");
    await expect.poll(() => heard.at(-1)).toBe("many-after");
    expect(heard).toEqual(["many", "many-after"]);
  } finally {
    await unlisten();
  }
  expect((await rowsOf("many")).map((r) => [r.dedupeKey, r.payload]).sort()).toEqual([
    ["a", { n: 1 }],
    ["b", { n: 0 }],
    ["c", { n: 3 }],
  ]);
});

it("enqueues each periodic occurrence once across schedulers racing for it", async () => {
  const schedule = [{ name: "hourly", everySeconds: 3600 }];
  await Promise.all([registerSchedules(db(), schedule), registerSchedules(db(), schedule)]);
  const race = async () => (await Promise.all([1, 2, 3, 4].map(() => enqueueDueOccurrences(db(), schedule)))).flat();

  expect(await race()).toEqual(["hourly"]);
  expect(await race()).toEqual([]);
  expect(await rowsOf("hourly")).toHaveLength(1);

  // The occurrence ran; an hour later the next one is due.
  await db().delete(jobs).where(eq(jobs.queue, "hourly"));
  await db().update(jobSchedules).set({ nextRunAt: sql`now()` }).where(eq(jobSchedules.name, "hourly"));
  expect(await race()).toEqual(["hourly"]);
  expect(await rowsOf("hourly")).toHaveLength(1);
});

it("runs a periodic job once per period on two instances, never doubling one still running", async () => {
  const runs: string[] = [];
  const release = gate();
  const schedules = [{ name: "sync", everySeconds: 3600 }];
  const handler = (name: string) => async () => {
    runs.push(name);
    await release.opened;
  };
  worker({ handlers: { sync: handler("a") }, schedules });
  worker({ handlers: { sync: handler("b") }, schedules });
  await expect.poll(() => runs.length).toBe(1);

  // The next period starts while the first occurrence is still running: it is skipped.
  await db().update(jobSchedules).set({ nextRunAt: sql`now()` }).where(eq(jobSchedules.name, "sync"));
  workers.forEach((w) => w.wake());
  await expect.poll(async () => (await db().select().from(jobSchedules).where(eq(jobSchedules.name, "sync")))[0]!.nextRunAt > new Date()).toBe(true);
  release.open();
  await expect.poll(async () => (await rowsOf("sync")).length).toBe(0);
  expect(runs).toHaveLength(1);

  await db().update(jobSchedules).set({ nextRunAt: sql`now()` }).where(eq(jobSchedules.name, "sync"));
  workers.forEach((w) => w.wake());
  await expect.poll(() => runs.length).toBe(2);
  await expect.poll(async () => (await rowsOf("sync")).length).toBe(0);
});

it("keeps a failed periodic occurrence parked, with its reason, until the next occurrence runs", async () => {
  let failing = true;
  const w = worker({
    handlers: {
      nightly: async () => {
        if (failing) throw new Error("Meta was down");
      },
    },
    schedules: [{ name: "nightly", everySeconds: 86_400 }],
  });
  await expect.poll(() => rowsOf("nightly")).toMatchObject([{ state: "parked", attempts: 1, lastError: "Meta was down" }]);

  failing = false;
  await db().update(jobSchedules).set({ nextRunAt: sql`now()` }).where(eq(jobSchedules.name, "nightly"));
  w.wake();
  await expect.poll(async () => (await rowsOf("nightly")).length).toBe(0);
});

it("keeps a schedule's next occurrence across restarts", async () => {
  const schedule = [{ name: "daily", everySeconds: 86_400 }];
  await registerSchedules(db(), schedule);
  expect(await enqueueDueOccurrences(db(), schedule)).toEqual(["daily"]);
  await registerSchedules(db(), schedule);
  expect(await enqueueDueOccurrences(db(), schedule)).toEqual([]);
});

it("stops only once the job in hand has finished", async () => {
  const started = gate();
  const release = gate();
  const order: string[] = [];
  const w = worker({
    handlers: {
      slow: async () => {
        started.open();
        await release.opened;
        // Work that outlasts the loop's own shutdown (its LISTEN ends in one round trip).
        await db().execute(sql`select pg_sleep(0.3)`);
        order.push("job finished");
      },
    },
  });
  await enqueue(db(), "slow");
  await started.opened;
  const stopping = w.stop().then(() => order.push("stopped"));
  await db().execute(sql`select 1`);
  release.open();
  await stopping;
  expect(order).toEqual(["job finished", "stopped"]);
  expect(await rowsOf("slow")).toEqual([]);
});

it("runs no more of a queue's jobs at once than its limit, and gives the other slots to other queues", async () => {
  // The limited queue's jobs are the oldest: claimed by age alone, they would fill every slot.
  for (let i = 0; i < 4; i++) await enqueue(db(), "limited", { i });
  for (let i = 0; i < 2; i++) await enqueue(db(), "other", { i });
  const release = gate();
  const now = { limited: 0, other: 0 };
  let mostLimited = 0;
  const holding = (queue: keyof typeof now) => async () => {
    now[queue]++;
    mostLimited = Math.max(mostLimited, now.limited);
    await release.opened;
    now[queue]--;
  };
  worker({ handlers: { limited: holding("limited"), other: holding("other") }, concurrency: 4, queueLimits: { limited: 1 } });

  try {
    await expect.poll(() => ({ ...now })).toEqual({ limited: 1, other: 2 });
    // A slot is free and older limited jobs wait: the worker's next claim, which this enqueue
    // brings about, must take the newer job of the other queue.
    await enqueue(db(), "other", { i: 2 });
    await expect.poll(() => ({ ...now })).toEqual({ limited: 1, other: 3 });
  } finally {
    release.open();
  }
  await expect.poll(async () => (await rowsOf("limited")).length + (await rowsOf("other")).length).toBe(0);
  expect(mostLimited).toBe(1);
});

it("claims at most a capped queue's cap, counting the lapsed jobs it takes back, and none of a queue capped at 0", async () => {
  for (const queue of ["capped", "capped", "capped", "free", "free", "shut"]) await enqueue(db(), queue);
  const claim = (caps: Record<string, number>) => claimJobs(db(), { queues: ["capped", "free", "shut"], limit: 4, leaseMs: 60_000, worker: "w", caps });

  const first = await claim({ capped: 1, shut: 0 });
  expect(first.map((j) => j.queue).sort()).toEqual(["capped", "free", "free"]);

  // That claimant died: its capped job is taken back first, and fills the cap by itself.
  await db().update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.queue, "capped"));
  const second = await claim({ capped: 1, shut: 0 });
  expect(second.map((j) => [j.queue, j.attempts])).toEqual([["capped", 2]]);

  // Every queue capped: the caps alone decide, and a queue capped at 0 gives nothing even alone.
  const onlyCapped = await claimJobs(db(), { queues: ["capped", "shut"], limit: 4, leaseMs: 60_000, worker: "w", caps: { capped: 1, shut: 0 } });
  expect(onlyCapped.map((j) => j.queue)).toEqual(["capped"]);
  expect(await claimJobs(db(), { queues: ["shut"], limit: 4, leaseMs: 60_000, worker: "w", caps: { shut: 0 } })).toEqual([]);
});

it("renews the lease of a job that runs longer than it, so no other worker runs the job meanwhile", async () => {
  const leaseMs = 600;
  const started = gate();
  const release = gate();
  const ran: string[] = [];
  const holding = (name: string) => async () => {
    ran.push(name);
    started.open();
    await release.opened;
  };
  await enqueue(db(), "long");
  const renewing = logMark();
  worker({ handlers: { long: holding("a") }, leaseMs });
  await started.opened;
  // A second worker looks every 20 ms for the whole time: had the lease lapsed, it would take the job.
  worker({ handlers: { long: holding("b") }, leaseMs, pollMs: 20 });
  await new Promise((resolve) => setTimeout(resolve, 4 * leaseMs));
  const [row] = await rowsOf("long");
  expect(row).toMatchObject({ state: "running", attempts: 1 });
  // A renewal every third of the lease, of a lease still held: not one warning.
  expect(logLines(renewing()).filter((l) => l.event === "job_lease_lost")).toEqual([]);
  const log = logMark();
  release.open();
  await expect.poll(async () => (await rowsOf("long")).length).toBe(0);
  expect(ran).toEqual(["a"]);
  // Once done, the job's lease is left alone: renewing it now would find no job and warn.
  await new Promise((resolve) => setTimeout(resolve, leaseMs));
  expect(logLines(log()).filter((l) => l.event === "job_lease_lost")).toEqual([]);
});

it("warns, naming the job, when a running job's lease was taken over, and leaves the job to its new claimant", async () => {
  const log = logMark();
  const id = (await enqueue(db(), "taken"))!;
  const { started, release } = holdingWorker("taken", { leaseMs: 300 });
  await started;
  // What a claim after a lapsed lease does: the job's attempt is another claimant's now.
  await db().update(jobs).set({ attempts: sql`${jobs.attempts} + 1`, lockedBy: "another instance" }).where(eq(jobs.id, id));
  await expect.poll(() => logLines(log()).filter((l) => l.event === "job_lease_lost")).toEqual([
    expect.objectContaining({ level: "warn", jobId: id, queue: "taken", attempt: 1 }),
  ]);
  release.open();
  await expect.poll(async () => (await rowsOf("taken"))[0]).toMatchObject({ state: "running", lockedBy: "another instance", attempts: 2 });
});

const claimOne = async (queue: string, worker = "test") => {
  const [job] = await claimJobs(db(), { queues: [queue], limit: 1, leaseMs: 60_000, worker });
  expect(job).toBeDefined();
  return job!;
};

it("hands a job back to its queue without counting the attempt, and its old claim can no longer finish it", async () => {
  await enqueue(db(), "handback", { n: 1 }, { dedupeKey: "k", maxAttempts: 1 });
  const first = await claimOne("handback");
  expect(await requeueJob(db(), first)).toBe(true);
  expect(await rowsOf("handback")).toMatchObject([{ state: "queued", attempts: 0, lockedBy: null, lockedUntil: null }]);
  // Handed back, it still stands for its key.
  expect(await enqueue(db(), "handback", { n: 2 }, { dedupeKey: "k" })).toBeNull();

  // The same worker claims it again: the same attempt, a claim of its own.
  const again = await claimOne("handback");
  expect(again).toMatchObject({ id: first.id, attempts: 1 });
  expect(again.claim).not.toBe(first.claim);
  expect(await requeueJob(db(), first)).toBe(false);
  expect(await completeJob(db(), first)).toBe(false);
  expect(await finishJob(db(), first)).toBe("lost");
  expect(await finishJob(db(), again)).toBe("done");
  expect(await rowsOf("handback")).toEqual([]);
});

it.runIf(onPostgres)("hands a finished job back, without waiting, while an enqueue it stands for has yet to commit", async () => {
  await enqueue(db(), "stands-for", {}, { dedupeKey: "k" });
  const job = await claimOne("stands-for");
  let outcome: string | undefined;
  const first = await interleaved(
    async (tx) => expect(await enqueue(tx, "stands-for", { late: true }, { dedupeKey: "k" })).toBeNull(),
    async () => (outcome = await finishJob(db(), job)),
  );
  expect(first).toBe("finished");
  expect(outcome).toBe("requeued");
  expect(await rowsOf("stands-for")).toMatchObject([{ id: job.id, state: "queued", attempts: 0 }]);
  // Once that enqueue has committed, the job's next run finishes it.
  expect(await finishJob(db(), await claimOne("stands-for"))).toBe("done");
});

it.runIf(onPostgres)("claims, without waiting, a queued job an uncommitted enqueue stands on", async () => {
  await enqueue(db(), "held-queued", {}, { dedupeKey: "k" });
  let claimed: Job[] = [];
  const first = await interleaved(
    async (tx) => expect(await enqueue(tx, "held-queued", {}, { dedupeKey: "k" })).toBeNull(),
    async () => (claimed = await claimJobs(db(), { queues: ["held-queued"], limit: 1, leaseMs: 60_000, worker: "test" })),
  );
  expect(first).toBe("finished");
  expect(claimed).toHaveLength(1);
});

it.runIf(onPostgres)("waits for a job being finished before deciding an enqueue's key is free", async () => {
  await enqueue(db(), "finishing", {}, { dedupeKey: "k" });
  const job = await claimOne("finishing");
  let added: string | null = null;
  // The job's removal is under way (row locked, not yet committed) when the enqueue looks.
  const first = await interleaved(
    async (tx) => expect(await finishJob(tx, job)).toBe("done"),
    async () => (added = await enqueue(db(), "finishing", { after: true }, { dedupeKey: "k" })),
  );
  expect(first).toBe("waiting");
  expect(added).not.toBeNull();
  expect(await rowsOf("finishing")).toMatchObject([{ state: "queued", payload: { after: true } }]);
});

/** Runs `during` with the jobs table out of reach, as when the database fails under a running job. */
async function withoutJobsTable<T>(during: () => Promise<T>): Promise<T> {
  await db().execute(sql`alter table jobs rename to jobs_away`);
  try {
    return await during();
  } finally {
    await db().execute(sql`alter table jobs_away rename to jobs`);
  }
}

it("warns, naming the job, when its lease cannot be renewed, and finishes it once the database is back", async () => {
  const log = logMark();
  const id = (await enqueue(db(), "unrenewed"))!;
  const { started, release } = holdingWorker("unrenewed", { leaseMs: 600, concurrency: 1 });
  await started;
  await withoutJobsTable(() =>
    expect
      .poll(() => logLines(log()).filter((l) => l.event === "job_lease_renewal_failed"), { interval: 10 })
      .toEqual([expect.objectContaining({ level: "warn", jobId: id, queue: "unrenewed", error: expect.objectContaining({ message: expect.stringMatching(/jobs/) }) })]),
  );
  release.open();
  await expect.poll(async () => (await rowsOf("unrenewed")).length).toBe(0);
});

it("logs an error, naming the job, when its failure cannot be recorded, and runs it again once its lease lapses", async () => {
  const log = logMark();
  const runs: number[] = [];
  const id = (await enqueue(db(), "unrecorded"))!;
  let restore: () => void = () => {};
  const restored = new Promise<void>((resolve) => (restore = resolve));
  worker({
    handlers: {
      unrecorded: async (job) => {
        runs.push(job.attempts);
        if (runs.length > 1) return;
        await db().execute(sql`alter table jobs rename to jobs_away`);
        restore();
        throw new Error("the handler failed while the database was away");
      },
    },
    leaseMs: 300,
    concurrency: 1,
  });
  await restored;
  await expect.poll(() => logLines(log()).filter((l) => l.event === "job_fail_not_recorded")).toEqual([
    expect.objectContaining({ level: "error", jobId: id, queue: "unrecorded", error: expect.objectContaining({ message: expect.stringMatching(/jobs/) }) }),
  ]);
  await db().execute(sql`alter table jobs_away rename to jobs`);
  await expect.poll(async () => (await rowsOf("unrecorded")).length).toBe(0);
  expect(runs).toEqual([1, 2]);
  expect(logLines(log()).filter((l) => l.event === "job_failed" || l.event === "job_parked")).toEqual([]);
});

it("tells a lease still held, from one another claim took over, from one whose job has ended", async () => {
  await enqueue(db(), "renewal");
  const job = await claimOne("renewal");
  expect(await extendLease(db(), job, 60_000)).toBe("held");
  await db().update(jobs).set({ lockedBy: "another instance" }).where(eq(jobs.id, job.id));
  expect(await extendLease(db(), job, 60_000)).toBe("lost");
  await db().update(jobs).set({ lockedBy: job.claim }).where(eq(jobs.id, job.id));
  // Its own end, which a renewal sent just before can find: handed back, then finished.
  expect(await requeueJob(db(), job)).toBe(true);
  expect(await extendLease(db(), job, 60_000)).toBe("ended");
  const again = await claimOne("renewal");
  expect(await finishJob(db(), again)).toBe("done");
  expect(await extendLease(db(), again, 60_000)).toBe("ended");
});
