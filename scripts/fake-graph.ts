import { parseArgs } from "node:util";
import { startFakeGraph } from "@/testing/fake-graph-server";

const usage = `Runs the fake Graph API (testing/fake-graph-server.ts) on a fixed loopback port,
for the browser tests: the app server under test gets WHATSAPP_GRAPH_URL=http://127.0.0.1:<port>.

  npx tsx scripts/fake-graph.ts --port <port>`;

const { values } = parseArgs({ options: { port: { type: "string" }, help: { type: "boolean" } } });
const port = Number(values.port);
if (values.help || !Number.isInteger(port) || port <= 0) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}

const graph = await startFakeGraph({ port });
console.log(`fake Graph API on ${graph.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void graph.close().finally(() => process.exit(0)));
}
