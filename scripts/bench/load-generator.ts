/**
 * The load generator, in a process of its own (forked by webhook.ts) so that neither the
 * server under test nor the bench's bookkeeping competes with it on one event loop. It
 * takes a job over IPC, builds and signs every body before the clock starts, sends them,
 * and answers with each request's latency.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { signBody, signatureHeaderName } from "@/lib/whatsapp/signature";
import { buildDeliveries, type DeliverySpec } from "./deliveries";

export type LoadMode =
  /** `concurrency` requests always in flight: as fast as the server answers. */
  | { kind: "closed"; concurrency: number }
  /**
   * One request every 1/perSecond s (background traffic), but never more than `maxInFlight`
   * unanswered: a server that falls behind gets a lower rate, which the result shows,
   * instead of an ever longer queue.
   */
  | { kind: "rate"; perSecond: number; maxInFlight: number };

export type LoadJob = { url: string; appSecret: string; spec: DeliverySpec; mode: LoadMode };

export type LoadResult = {
  sent: number;
  ok: number;
  errors: number;
  /** The first few failures, as "status: body" or the transport error. */
  errorSamples: string[];
  elapsedMs: number;
  /** When the first request went out and the last answer came, in ms since the epoch (comparable across processes). */
  startedAtMs: number;
  endedAtMs: number;
  latenciesMs: number[];
};

export type ToLoadGenerator = { type: "run"; job: LoadJob } | { type: "stop" };
export type FromLoadGenerator =
  | { type: "ready" }
  /** Four times a second during a run: deliveries answered 200 so far (the bench's backlog over time). */
  | { type: "progress"; ok: number; errors: number }
  | { type: "result"; result: LoadResult }
  | { type: "failed"; error: string };

let stopRequested = false;

function post(agent: http.Agent, url: URL, body: Buffer, signature: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": body.byteLength, [signatureHeaderName]: signature },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  const bodies = buildDeliveries(job.spec);
  const signatures = bodies.map((body) => signBody(body, job.appSecret));
  const url = new URL(job.url);
  const sockets = job.mode.kind === "closed" ? job.mode.concurrency : job.mode.maxInFlight;
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  let ok = 0;
  let errors = 0;
  let sent = 0;

  const send = async (index: number) => {
    sent++;
    const started = performance.now();
    try {
      const answer = await post(agent, url, bodies[index]!, signatures[index]!);
      latenciesMs.push(performance.now() - started);
      if (answer.status === 200) ok++;
      else {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(`${answer.status}: ${answer.text.slice(0, 200)}`);
      }
    } catch (error) {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(String(error));
    }
  };

  stopRequested = false;
  const started = performance.now();
  const progress = setInterval(() => reply({ type: "progress", ok, errors }), 250);
  if (job.mode.kind === "closed") {
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) await send(next++);
    };
    await Promise.all(Array.from({ length: job.mode.concurrency }, worker));
  } else {
    const interval = 1000 / job.mode.perSecond;
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < bodies.length && !stopRequested; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      while (inFlight.size >= job.mode.maxInFlight) await Promise.race(inFlight);
      const request = send(i).finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  }
  const elapsedMs = performance.now() - started;
  clearInterval(progress);
  agent.destroy();
  const startedAtMs = performance.timeOrigin + started;
  return { sent, ok, errors, errorSamples, elapsedMs, startedAtMs, endedAtMs: startedAtMs + elapsedMs, latenciesMs };
}

function reply(message: FromLoadGenerator) {
  process.send!(message);
}

process.on("message", (message: ToLoadGenerator) => {
  if (message.type === "stop") {
    stopRequested = true;
    return;
  }
  run(message.job).then(
    (result) => reply({ type: "result", result }),
    (error: unknown) => reply({ type: "failed", error: String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
reply({ type: "ready" });
