/**
 * The server `npm run dev` and `npm start` run: Next.js's request handler behind a node:http
 * server that first records, from the socket, which address is asking (lib/server/http-server.ts).
 *
 *   tsx server.ts dev|start [--port 3000] [--hostname <address>]
 *
 * `npm run dev` runs it that way; `npm start` runs the copy `npm run build` compiled
 * (scripts/build-server-entry.ts), so that the production server carries no TypeScript loader.
 *
 * The port is --port, else PORT, else 3000; whichever it is becomes PORT, which the default
 * APP_URL follows (lib/config/env.ts).
 */
import { parseArgs } from "node:util";
import { defaultNodeEnv, env, EnvError } from "@/lib/config/env";
import { offerJobsThread, stopProcessWorker } from "@/lib/jobs/process-worker";
import { createAppServer } from "@/lib/server/http-server";
import { unsupportedNodeReason } from "@/lib/server/node-version";

const usage = "usage: tsx server.ts dev|start [--port <port>] [--hostname <address>]";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
});
const [mode, ...extra] = positionals;
const port = Number(values.port ?? process.env.PORT ?? 3000);
if ((mode !== "dev" && mode !== "start") || extra.length > 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(usage);
  process.exit(2);
}
const nodeRefusal = unsupportedNodeReason(process.versions.node);
if (nodeRefusal) {
  console.error(nodeRefusal);
  process.exit(1);
}
const dev = mode === "dev";
Object.assign(process.env, { PORT: String(port) });
// React and Next.js pick their builds from NODE_ENV when first loaded: set it before importing them.
defaultNodeEnv(dev ? "development" : "production");

let trustedProxyHops: number;
try {
  trustedProxyHops = env().TRUSTED_PROXY_HOPS;
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
}

// The job thread's entry: this file's neighbour once compiled (scripts/build-server-entry.ts), else the source.
offerJobsThread(new URL(import.meta.url.endsWith(".ts") ? "./lib/server/jobs-thread-main.ts" : "./jobs-thread.mjs", import.meta.url));

const { default: next } = await import("next");
// Requests arrive only once the server listens, below, when `handle` exists.
const server = createAppServer((request, response) => handle(request, response), trustedProxyHops);
// Given the server, Next.js answers its own WebSocket upgrades (hot reloading in development).
const app = next({ dev, hostname: values.hostname ?? "localhost", port, httpServer: server });
await app.prepare();
const handle = app.getRequestHandler();

server.listen(port, values.hostname, () => {
  console.log(`> Switchboard (${dev ? "development" : "production"}) ready on http://${values.hostname ?? "localhost"}:${port}`);
});

let stopping = false;
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // Stop accepting, let requests and jobs in flight finish, then close Next.js (and, on exit,
    // the database lock). Event streams never finish by themselves: they get 5 seconds.
    server.close(() => void stopProcessWorker().finally(() => app.close().finally(() => process.exit(code))));
    if (dev) server.closeAllConnections();
    else setTimeout(() => server.closeAllConnections(), 5000).unref();
  });
}
