import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { compiledServerEntry } from "../build-server-entry";

/** What the bench and the reliability suites both need to run the app as its own process. */

/** A port nothing on 127.0.0.1 listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Node's arguments for the production server exactly as `npm start` runs it (server.ts, as the
 * build compiled it), on 127.0.0.1:`port`; `nodeArgs` go first (the bench passes `npm start`'s own flags).
 */
export function productionServerArgs(port: number, nodeArgs: string[] = []): string[] {
  return [...nodeArgs, compiledServerEntry(path.join(process.cwd(), ".next")), "start", "--port", String(port), "--hostname", "127.0.0.1"];
}

/**
 * The environment `npm start` gives the server unless it is set already (package.json's start
 * script: `NAME=${NAME:-value}` before `node`), for the bench and the fault suites, which start
 * the server without npm.
 */
export function productionEnvDefaults(): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(process.cwd(), "package.json"), "utf8")) as { scripts: { start: string } };
  return envDefaultsOf(pkg.scripts.start);
}

export function envDefaultsOf(script: string): Record<string, string> {
  return Object.fromEntries([...script.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=\$\{\1:-([^}\s]*)\}(?=\s)/g)].map((m) => [m[1]!, m[2]!]));
}

/**
 * Resolves once `url` answers 2xx. Rejects when the process exits first or `timeoutMs` passes,
 * with what `output` gives (its logs) in the message, so a failed start says why.
 */
export async function waitUntilAnswering(
  child: ChildProcess,
  url: string,
  { name, output, timeoutMs = 60_000 }: { name: string; output: () => string; timeoutMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before answering ${url}:\n${output()}`);
    }
    const answered = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs / 1000} s:\n${output()}`);
}
