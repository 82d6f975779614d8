import { createHash } from "node:crypto";
import { db } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";
import { defer } from "./cleanup";
import { Report } from "./report";
import { startServer } from "./server";
import { deliveries, setUpWorld, deliveryStates, messageCount, send, startLoad, storedWamids, tally, waitFor, type Answer } from "./world";

/**
 * c. Crash: the server killed with SIGKILL in the middle of a webhook load, then started
 * again. Nothing it acknowledged may be lost, and deliveries it stored but never processed
 * (the crash fell between the two) are processed when it starts again.
 */
export async function crash(): Promise<Report> {
  const report = new Report("crash: kill -9 of the server mid-load, then a restart");
  const { serverEnv, world } = await setUpWorld();
  let server = await startServer(serverEnv);
  defer(() => server.stop());
  try {
    const queue = deliveries(world, 5000, "CRASH");
    const load = startLoad({ url: () => server.url, queue, concurrency: 16, phase: () => "load" });
    await waitFor("300 acknowledged deliveries", () => load.acknowledged() >= 300);
    await server.kill9();
    const answers = await load.stop();
    const acknowledged = answers.filter((a) => a.status === 200);
    report.note(`${answers.length} deliveries sent at concurrency 16 before and during the kill: ${JSON.stringify(tally(answers))}`);

    // The crash window between storing and processing, made certain rather than left to
    // timing: deliveries stored exactly as the webhook stores them, never processed.
    const unprocessed = deliveries(world, 20, "CRASH-UNPROCESSED");
    await db()
      .insert(webhookDeliveries)
      .values(unprocessed.map((d) => ({ rawBody: d.body.toString("utf8"), bodySha256: createHash("sha256").update(d.body).digest("hex") })));
    const before = await deliveryStates();
    report.note(`deliveries by state after the kill (20 unprocessed added): ${JSON.stringify(before)}`);

    const restartStarted = performance.now();
    server = await startServer(serverEnv, Number(new URL(server.url).port));
    await waitFor("the start-up retry to process every stored delivery", async () => {
      const states = await deliveryStates();
      return !states.received && !states.failed;
    }, 30_000);
    report.check(true, `restarted and processed every pending delivery in ${Math.round(performance.now() - restartStarted)} ms: ${JSON.stringify(await deliveryStates())}`);

    const stored = await storedWamids(acknowledged.map((a) => a.wamid));
    report.check(stored.size === acknowledged.length, `${stored.size} of ${acknowledged.length} acknowledged deliveries are stored as messages`);
    const recovered = await storedWamids(unprocessed.map((d) => d.wamid));
    report.check(recovered.size === unprocessed.length, `${recovered.size} of ${unprocessed.length} stored-but-unprocessed deliveries were processed at start-up`);

    const unacknowledged = answers.filter((a) => a.status !== 200);
    const redelivered: Answer[] = [];
    for (const a of unacknowledged) redelivered.push(await send(server.url, queue.find((d) => d.wamid === a.wamid)!, "redelivery"));
    report.check(redelivered.every((a) => a.status === 200), `${redelivered.length} unacknowledged deliveries sent again by "Meta": ${JSON.stringify(tally(redelivered))}`);
    const expected = new Set(answers.map((a) => a.wamid)).size + unprocessed.length;
    const total = await messageCount();
    report.check(total === expected, `${total} messages stored for ${expected} distinct deliveries (none lost, none doubled)`);
  } catch (error) {
    report.check(false, `suite error: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!report.passed) report.note(server.output().slice(-3000));
  return report;
}
