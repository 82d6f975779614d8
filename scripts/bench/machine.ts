import { spawnSync } from "node:child_process";
import os from "node:os";
import postgres from "postgres";

/**
 * What a figure needs beside it to be compared with another: the code measured and the
 * machine it ran on. Printed at the head of every bench's output and copied with its tables
 * into docs/PERFORMANCE.md.
 */
export function commitMeasured(): string {
  const git = (...args: string[]) => spawnSync("git", args, { encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return "unknown commit (not a git checkout)";
  // Uncommitted changes to what runs make the commit alone a wrong name for the code.
  const dirty = git("status", "--porcelain", "--", "app", "lib", "db", "drizzle", "scripts", "package.json", "next.config.ts", "instrumentation.ts");
  return `${head.stdout.trim()}${dirty.stdout.trim() === "" ? "" : " with uncommitted changes"}`;
}

export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(" / ");
}

export async function describeMachine(serverUrl: string): Promise<string> {
  const client = postgres(serverUrl, { max: 1, onnotice: () => {} });
  let postgresVersion = "unknown";
  try {
    const [row] = await client<{ version: string }[]>`select current_setting('server_version') as version`;
    postgresVersion = row!.version;
  } finally {
    await client.end({ timeout: 5 });
  }
  return describeMachineWith(`Postgres ${postgresVersion}`);
}

/** The commit, the machine and `database` (what the bench measured on, with its version). */
export function describeMachineWith(database: string): string {
  const ramGiB = (os.totalmem() / 1024 ** 3).toFixed(0);
  return (
    `commit ${commitMeasured()}; ${os.availableParallelism()} cores, ${ramGiB} GiB RAM, node ${process.version}, ` +
    `${database}; load average ${loadAverage()} (1 / 5 / 15 min)`
  );
}
