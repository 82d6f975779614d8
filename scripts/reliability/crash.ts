import { db } from "@/db/client";
import { storeDelivery } from "@/lib/ingest/deliveries";
import { defer } from "./cleanup";
import { Report } from "./report";
import { startServer } from "./server";
import { deliveries, setUpWorld, deliveryStates, send, sideEffects, startLoad, storedWamids, tally, waitFor, type Answer } from "./world";

/**
 * c. Crash: the server killed with SIGKILL in the middle of a webhook load, while its
 * processor is applying batches, then started again. Nothing it acknowledged may be lost or
 * applied twice, counted in rows, unread counts and outbox events; deliveries it stored but
 * never split (the crash fell between the answer and the processor) are processed when it
 * starts again.
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
    // Mid-batch: the processor has applied some of what was acknowledged, not all of it. Under
    // the load, acknowledging outruns applying, so this may take a while on a busy machine.
    await waitFor("the processor to be applying", async () => (await sideEffects()).messages > 0, 180_000);
    const atKill = await sideEffects();
    await server.kill9();
    report.note(`killed while ${atKill.messages} messages were applied, ${atKill.pendingItems} items pending and ${atKill.unsplit} deliveries unsplit`);
    const answers = await load.stop();
    const acknowledged = answers.filter((a) => a.status === 200);
    report.note(`${answers.length} deliveries sent at concurrency 16 before and during the kill: ${JSON.stringify(tally(answers))}`);

    // The crash window between the answer and the processor, made certain rather than left to
    // timing: deliveries stored exactly as the webhook stores them (with their split jobs), never processed.
    const unprocessed = deliveries(world, 20, "CRASH-UNPROCESSED");
    for (const d of unprocessed) await storeDelivery(db(), d.body);
    const before = await deliveryStates();
    report.note(`deliveries by state after the kill (20 unprocessed added): ${JSON.stringify(before)}`);

    const restartStarted = performance.now();
    server = await startServer(serverEnv, Number(new URL(server.url).port));
    await waitFor("the restarted processor to finish every stored delivery", async () => {
      const effects = await sideEffects();
      return effects.unsplit === 0 && effects.pendingItems === 0;
    }, 120_000);
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
    await waitFor("the redeliveries to be processed", async () => (await sideEffects()).messages >= expected, 60_000).catch(() => {});
    const effects = await sideEffects();
    report.check(effects.messages === expected, `${effects.messages} messages stored for ${expected} distinct deliveries (none lost, none doubled)`);
    report.check(effects.unread === expected, `unread counts add up to ${effects.unread}: one per message, none counted twice`);
    report.check(effects.createdEvents === expected, `${effects.createdEvents} message.created outbox events: one per message, none twice`);
  } catch (error) {
    report.check(false, `suite error: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!report.passed) report.note(server.output().slice(-3000));
  return report;
}
