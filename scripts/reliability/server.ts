import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort, productionEnvDefaults, productionServerArgs, waitUntilAnswering } from "../support/processes";

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
  const child = spawn(process.execPath, productionServerArgs(listen), {
    env: { ...productionEnvDefaults(), ...process.env, ...env, NODE_ENV: "production", APP_URL: url, PORT: String(listen) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitUntilAnswering(child, `${url}/api/health`, { name: "the server", output: () => output });
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, name);
    await exited;
  };
  return { url, pid: child.pid!, kill9: () => signal("SIGKILL"), stop: () => signal("SIGTERM"), output: () => output };
}
