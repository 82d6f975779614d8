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
 * Polls `read` until it reaches `target` or `timeoutMs` passes. The poll period follows the
 * query's own cost (never below `minPollMs`, at least four times the query's time), so
 * watching costs Postgres at most a fifth of a core; the time found is the start of the first
 * read that saw the target, precise to one period. Times are `performance.now()` values.
 */
export async function waitUntilCount(
  read: () => Promise<number>,
  target: number,
  { timeoutMs, minPollMs = 50 }: { timeoutMs: number; minPollMs?: number },
): Promise<{ reachedAt: number | null; last: number; pollMs: number }> {
  const deadline = performance.now() + timeoutMs;
  let pollMs = minPollMs;
  for (;;) {
    const started = performance.now();
    const last = await read();
    if (last >= target) return { reachedAt: started, last, pollMs };
    if (started > deadline) return { reachedAt: null, last, pollMs };
    const took = performance.now() - started;
    pollMs = Math.max(minPollMs, 4 * took);
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
