import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "./ports";

/** Configuration every instance of one suite shares: the same database and secrets. */
export type ServerEnv = Record<string, string>;

export type Server = { url: string; pid: number; kill9: () => Promise<void>; stop: () => Promise<void>; output: () => string };

/**
 * The production server as `npm start` runs it (server.ts), as its own process group, answering /api/health
 * before this resolves. Its output is kept (and shown when a suite fails).
 */
export async function startServer(env: ServerEnv, port?: number): Promise<Server> {
  if (!fs.existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    throw new Error("No production build: run `npm run build` first.");
  }
  const listen = port ?? (await freePort());
  const url = `http://127.0.0.1:${listen}`;
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts", "start", "-p", String(listen), "-H", "127.0.0.1"], {
    env: { ...process.env, ...env, NODE_ENV: "production", APP_URL: url, PORT: String(listen) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitHealthy(url, child, () => output);
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, name);
    await exited;
  };
  return { url, pid: child.pid!, kill9: () => signal("SIGKILL"), stop: () => signal("SIGTERM"), output: () => output };
}

async function waitHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output()}`);
    const ok = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not answer /api/health within 60 s:\n${output()}`);
}
