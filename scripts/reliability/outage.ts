import { defer } from "./cleanup";
import { Report } from "./report";
import { startServer } from "./server";
import { deliveries, setUpWorld, deliveryStates, messageCount, send, startLoad, storedWamids, tally, waitFor, type Answer } from "./world";

/**
 * b. Database outage: Postgres stopped (immediate mode, as a crash would) in the middle of
 * a steady webhook load, then started again, without touching the app server.
 */
export async function outage(): Promise<Report> {
  const report = new Report("outage: Postgres stopped mid-load and started again");
  const { cluster, serverEnv, world } = await setUpWorld();
  const server = await startServer(serverEnv);
  defer(() => server.stop());
  try {
    const queue = deliveries(world, 5000, "OUTAGE");
    let phase = "before";
    const load = startLoad({ url: () => server.url, queue, concurrency: 8, phase: () => phase });
    await waitFor("150 acknowledged deliveries", () => load.acknowledged() >= 150);

    cluster.stop("immediate");
    phase = "outage";
    const stoppedAt = load.answers.length;
    await new Promise((r) => setTimeout(r, 5000));
    cluster.start();
    phase = "after";
    const restartedAt = load.answers.length;
    await waitFor("150 acknowledged deliveries after the restart", () => load.answers.slice(restartedAt).filter((a) => a.status === 200).length >= 150, 60_000);
    const answers = await load.stop();

    const during = answers.slice(stoppedAt, restartedAt).filter((a) => a.phase === "outage");
    const acknowledged = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    report.note(`${answers.length} deliveries sent at concurrency 8: ${JSON.stringify(tally(answers))}`);
    report.check(
      during.length > 0 && during.every((a) => a.status === 503),
      `${during.length} deliveries sent and answered while Postgres was down all got 503 (${JSON.stringify(tally(during))}, slowest ${Math.round(Math.max(0, ...during.map((a) => a.ms)))} ms)`,
    );
    report.check(refused.every((a) => a.status === 503), `every answer other than 200 was a 503: ${refused.length} (no 500, no hang, no dropped connection)`);

    // Stored as a delivery but not yet processed into a message when the database went away:
    // the server's processor picks them up again (its jobs and items wait out the outage).
    const before = await deliveryStates();
    report.note(`deliveries by state once the load stopped: ${JSON.stringify(before)}`);
    await waitFor(
      "the server's processor to store every acknowledged delivery",
      async () => (await storedWamids(acknowledged.map((a) => a.wamid))).size === acknowledged.length,
      180_000,
    ).catch(() => {});
    const stored = await storedWamids(acknowledged.map((a) => a.wamid));
    report.check(stored.size === acknowledged.length, `${stored.size} of ${acknowledged.length} acknowledged deliveries are stored as messages`);

    const afterRestart = answers.slice(restartedAt).filter((a) => a.status === 200).length;
    report.check(afterRestart >= 150, `the same server process (pid ${server.pid}) acknowledged ${afterRestart} deliveries after Postgres came back`);

    // Meta sends again what was not acknowledged; then nothing is missing and nothing doubled.
    const redelivered: Answer[] = [];
    for (const a of refused) redelivered.push(await send(server.url, queue.find((d) => d.wamid === a.wamid)!, "redelivery"));
    const sent = new Set(answers.map((a) => a.wamid));
    report.check(redelivered.every((a) => a.status === 200), `${redelivered.length} refused deliveries sent again by "Meta": ${JSON.stringify(tally(redelivered))}`);
    await waitFor("the redeliveries to be processed", async () => (await messageCount()) >= sent.size, 120_000).catch(() => {});
    const total = await messageCount();
    report.check(total === sent.size, `${total} messages stored for ${sent.size} distinct deliveries`);
  } catch (error) {
    report.check(false, `suite error: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!report.passed) report.note(server.output().slice(-3000));
  return report;
}
