import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { buildServerEntry, compiledServerEntry } from "../build-server-entry";
import { productionServerArgs, waitUntilAnswering } from "../support/processes";

/** Servers and helpers the bench starts, each in its own process, and how to read them. */

export type Server = { name: string; url: string; child: ChildProcess; logFile: string };

const nextBin = path.join(process.cwd(), "node_modules/next/dist/bin/next");

// What the production build is made from; tests and docs do not change it.
const buildInputs = ["app", "components", "lib", "db", "drizzle", "public", "instrumentation.ts", "proxy.ts", "server.ts", "next.config.ts", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];

function newestInput(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return /\.test\.tsx?$/.test(file) ? 0 : stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(file).map((entry) => newestInput(path.join(file, entry))));
}

/** Why `.next` cannot be used as it is, or null when it is up to date. */
export function buildStaleness(): string | null {
  const buildId = path.join(process.cwd(), ".next/BUILD_ID");
  if (!fs.existsSync(buildId)) return "there is no production build (.next/BUILD_ID missing)";
  if (!fs.existsSync(compiledServerEntry(path.dirname(buildId)))) return "the build has no compiled server entry";
  const built = fs.statSync(buildId).mtimeMs;
  const changed = buildInputs.find((input) => newestInput(path.join(process.cwd(), input)) > built);
  return changed ? `${changed} changed after the last build` : null;
}

/** `npm run build`'s two builds: Next.js's, then the server entry `npm start` runs. */
export async function buildProduction(): Promise<void> {
  const result = spawnSync(process.execPath, [nextBin, "build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", DATABASE_URL: "" },
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`);
  await buildServerEntry(process.cwd(), path.join(process.cwd(), ".next"));
}

function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv, port: number, logDir: string): Server {
  const logFile = path.join(logDir, `${name}.log`);
  const log = fs.openSync(logFile, "w");
  // Logs go straight to a file: reading them would cost the bench CPU during the rounds.
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  return { name, url: `http://127.0.0.1:${port}`, child, logFile };
}

/**
 * The Node flags `npm start` runs the server with (package.json), so the bench measures the
 * production runtime and the floor runs on the same one, minus the framework.
 */
export function productionNodeFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(process.cwd(), "package.json"), "utf8")) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith("--"));
}

/** The production server exactly as `npm start` runs it: Next.js behind the server entry (server.ts). */
export function startNext(env: NodeJS.ProcessEnv, port: number, logDir: string, nodeArgs: string[] = [], name = "next"): Server {
  return startProcess(name, productionServerArgs(port, nodeArgs), env, port, logDir);
}

/** The minimal floor (floor-server.ts); a name starting with "floor" marks it as one. */
export function startFloor(env: NodeJS.ProcessEnv, port: number, logDir: string, nodeArgs: string[] = [], name = "floor"): Server {
  const entry = path.join(import.meta.dirname, "floor-server.ts");
  return startProcess(name, [...nodeArgs, "--import", "tsx", entry], { ...env, PORT: String(port) }, port, logDir);
}

/** Resolves once the server answers `healthPath`; else fails with the last lines of its log. */
export async function waitUntilHealthy(server: Server, healthPath: string, timeoutMs = 120_000): Promise<void> {
  const lastLines = () => fs.readFileSync(server.logFile, "utf8").split("\n").slice(-20).join("\n");
  await waitUntilAnswering(server.child, server.url + healthPath, { name: server.name, output: lastLines, timeoutMs });
}

export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** A process and all its descendants (Linux /proc). */
function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = statFields(Number(entry))?.[1];
    if (ppid !== undefined) children.set(Number(ppid), [...(children.get(Number(ppid)) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(rootPid);
  return tree;
}

/** /proc/<pid>/stat from field 3 (state) on, or null once the process is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces and parentheses; fields resume after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Resident memory of a process and all its descendants, in MiB. */
export function treeRssMiB(rootPid: number): number {
  let kib = 0;
  for (const pid of processTree(rootPid)) {
    try {
      kib += Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // The process ended while we looked.
    }
  }
  return kib / 1024;
}

const clockTicksPerSecond = 100;

/** CPU time (user + system) the processes have used so far, in ms. */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    // utime and stime are fields 14 and 15 of stat, 12 and 13 here.
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / clockTicksPerSecond;
}

export function treeCpuMs(rootPid: number): number {
  return cpuMs(processTree(rootPid));
}

/** Samples a process tree's RSS until stopped; answers the peak. */
export function sampleRss(rootPid: number, everyMs = 250): { stop: () => number } {
  let peak = treeRssMiB(rootPid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssMiB(rootPid));
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, treeRssMiB(rootPid));
    },
  };
}
