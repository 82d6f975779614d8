import { performance } from "node:perf_hooks";
import type postgres from "postgres";
import { cpuMs } from "./processes";

/**
 * What the bench reads from the database to see work done, whatever pipeline did it: rows an
 * inbox shows (inbound messages, each reported status, messages at `read`), counted per set
 * of workspaces on the bench's own connection (the superuser's: row-level security does not
 * apply). Nothing here knows how the server stores or processes a delivery.
 */
export function observer(sql: postgres.Sql) {
  const one = async (rows: Promise<Array<{ n: number }>>) => Number((await rows)[0]!.n);
  return {
    inboundMessages: (tenants: string[]) =>
      one(sql`select count(*)::int as n from messages where tenant_id = any(${tenants}::uuid[]) and direction = 'inbound'`),
    /** Each (wamid, status) Meta reported and the workspace recorded. */
    statusesApplied: (tenants: string[]) => one(sql`select count(*)::int as n from message_statuses where tenant_id = any(${tenants}::uuid[])`),
    outboundRead: (tenants: string[]) =>
      one(sql`select count(*)::int as n from messages where tenant_id = any(${tenants}::uuid[]) and direction = 'outbound' and status = 'read'`),
    /** message id → wamid, to match a live event (which names the message) with what was sent. */
    wamidsOf: async (tenant: string, wamidPrefix: string) => {
      const rows = await sql<{ id: string; wamid: string }[]>`
        select id, wamid from messages where tenant_id = ${tenant} and wamid like ${`${wamidPrefix}%`}`;
      return new Map(rows.map((r) => [r.id, r.wamid]));
    },
  };
}
export type Observer = ReturnType<typeof observer>;

/**
 * Polls `read` until it reaches `target` or `timeoutMs` passes. The poll period is at least
 * `minPollMs` and four times the query's own time, so that near the end watching costs Postgres
 * at most a fifth of a core. Given `maxPollMs`, while the count is far from the target the
 * period is half the time the rate so far says is left, up to `maxPollMs`: counting a backlog
 * of 150,000 statuses took 25 ms a poll, and polled at the densest period all along, it took
 * a tenth of Postgres's time from the pipeline it measured (docs/PERFORMANCE.md, "1 December
 * 2026: statuses"). The time found is the start of the first read that saw the target, precise
 * to the period before it (`pollMs`). Times are `performance.now()` values.
 */
export async function waitUntilCount(
  read: () => Promise<number>,
  target: number,
  { timeoutMs, minPollMs = 50, maxPollMs = 0 }: { timeoutMs: number; minPollMs?: number; maxPollMs?: number },
): Promise<{ reachedAt: number | null; last: number; pollMs: number }> {
  const deadline = performance.now() + timeoutMs;
  let first: { at: number; count: number } | undefined;
  let pollMs = minPollMs;
  for (;;) {
    const started = performance.now();
    const last = await read();
    if (last >= target) return { reachedAt: started, last, pollMs };
    if (started > deadline) return { reachedAt: null, last, pollMs };
    first ??= { at: started, count: last };
    const took = performance.now() - started;
    const perMs = (last - first.count) / (started - first.at);
    const leftMs = perMs > 0 ? (target - last) / perMs : 0;
    pollMs = Math.max(minPollMs, 4 * took, Math.min(maxPollMs, leftMs / 2));
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The bench's own connections name themselves so; they are never counted as the server's. */
export const benchApplicationName = "switchboard-bench";
export const floorApplicationName = "switchboard-floor";

/**
 * CPU used by the bench database's Postgres backends whose application_name `counts`, from now
 * until `stop` (backends opened meanwhile are counted whole; one that closed meanwhile is lost).
 */
export async function backendCpu(sql: postgres.Sql, counts: (applicationName: string) => boolean): Promise<{ stop: () => Promise<number> }> {
  const backends = async () =>
    (await sql<{ pid: number; name: string }[]>`
      select pid, application_name as name from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`)
      .filter((b) => counts(b.name))
      .map((b) => b.pid);
  const before = new Map((await backends()).map((pid) => [pid, cpuMs([pid])]));
  return {
    stop: async () => {
      let total = 0;
      for (const pid of await backends()) total += cpuMs([pid]) - (before.get(pid) ?? 0);
      return total;
    },
  };
}

export const serverBackends = (name: string) => name !== benchApplicationName && name !== floorApplicationName;
export const floorBackends = (name: string) => name === floorApplicationName;
