import { inArray } from "drizzle-orm";
import { db } from "@/db/client";
import { messages } from "@/db/schema";
import { defer } from "./cleanup";
import { Report } from "./report";
import { startServer, type Server } from "./server";
import { deliveries, setUpWorld, send, sideEffects, startLoad, tally, waitFor, type World } from "./world";

/**
 * e. Two instances on different ports sharing one Postgres: a webhook on either reaches an
 * inbox open on the other (LISTEN/NOTIFY), a session from one is valid on the other, and both
 * processors draining one backlog apply each item once.
 */
export async function twoInstances(): Promise<Report> {
  const report = new Report("two instances: one Postgres, two servers");
  const { serverEnv, world } = await setUpWorld();
  const first = await startServer(serverEnv);
  defer(() => first.stop());
  const second = await startServer(serverEnv);
  defer(() => second.stop());
  try {
    for (const [signedIn, other] of [[first, second], [second, first]] as const) {
      const cookie = await signIn(signedIn, world);
      const me = await fetch(`${other.url}/api/w/${world.slug}/me`, { headers: { cookie } });
      report.check(me.status === 200, `a session signed in on :${port(signedIn)} reads /api/w/${world.slug}/me on :${port(other)}: ${me.status}`);
      const signedOut = await fetch(`${other.url}/api/w/${world.slug}/me`);
      report.check(signedOut.status === 401, `without it :${port(other)} answers ${signedOut.status}`);
    }

    const cookie = await signIn(first, world);
    for (const [webhook, inbox] of [[first, second], [second, first]] as const) {
      const batch = deliveries(world, 10, `TWO-${port(webhook)}-`);
      const events = await subscribe(inbox, world, cookie);
      let seen = 0;
      const started = performance.now();
      for (const delivery of batch) {
        const answer = await send(webhook.url, delivery, "two");
        if (answer.status !== 200) continue;
        // Answered once stored; the message follows when a processor (either instance's) applies it.
        let messageId: string | undefined;
        await waitFor("the message to be applied", async () => Boolean(([messageId] = await storedMessageIds([delivery.wamid])).length), 5000).catch(() => {});
        if (messageId && (await events.waitFor(messageId, 5000))) seen++;
      }
      events.close();
      report.check(
        seen === batch.length,
        `${seen} of ${batch.length} webhooks posted to :${port(webhook)} arrived as message.created on :${port(inbox)}'s event stream (${Math.round(performance.now() - started)} ms in all)`,
      );
    }

    // One backlog, posted to both, drained by both processors at once.
    const before = await sideEffects();
    const backlog = deliveries(world, 2000, "TWO-BACKLOG-");
    let turn = 0;
    const load = startLoad({ url: () => (turn++ % 2 === 0 ? first.url : second.url), queue: backlog, concurrency: 16, phase: () => "backlog" });
    await waitFor("the backlog to be sent", () => load.answers.length >= backlog.length, 300_000).catch(() => {});
    const answers = await load.stop();
    const acknowledged = answers.filter((a) => a.status === 200).length;
    report.check(acknowledged === backlog.length, `${acknowledged} of ${backlog.length} backlog deliveries, alternating between the servers, answered 200: ${JSON.stringify(tally(answers))}`);
    await waitFor("both processors to drain the backlog", async () => {
      const effects = await sideEffects();
      return effects.unsplit === 0 && effects.pendingItems === 0 && effects.messages >= before.messages + backlog.length;
    }, 180_000).catch(() => {});
    const after = await sideEffects();
    const added = { messages: after.messages - before.messages, unread: after.unread - before.unread, createdEvents: after.createdEvents - before.createdEvents };
    report.check(
      added.messages === backlog.length && added.unread === backlog.length && added.createdEvents === backlog.length,
      `the backlog applied exactly once by two processors: ${added.messages} messages, ${added.unread} unread, ${added.createdEvents} message.created events for ${backlog.length} deliveries`,
    );
  } catch (error) {
    report.check(false, `suite error: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!report.passed) report.note(first.output().slice(-2000) + second.output().slice(-2000));
  return report;
}

const port = (server: Server) => new URL(server.url).port;

async function storedMessageIds(wamids: string[]): Promise<string[]> {
  const rows = await db().select({ id: messages.id }).from(messages).where(inArray(messages.wamid, wamids));
  return rows.map((r) => r.id);
}

/** The browser's sign-in: next-auth's CSRF token, then the credentials form; returns the Cookie header. */
async function signIn(server: Server, world: World): Promise<string> {
  const csrf = await fetch(`${server.url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = cookiesOf(csrf);
  const response = await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar, origin: server.url },
    body: new URLSearchParams({ csrfToken, email: world.email, password: world.password, callbackUrl: `${server.url}/` }),
  });
  const session = cookiesOf(response)
    .split("; ")
    .find((c) => c.includes("session-token="));
  if (!session) throw new Error(`sign-in on ${server.url} set no session cookie (${response.status})`);
  return session;
}

function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ");
}

/** An open SSE subscription, collecting what it receives. */
async function subscribe(server: Server, world: World, cookie: string) {
  const abort = new AbortController();
  const response = await fetch(`${server.url}/api/w/${world.slug}/events`, { headers: { cookie, accept: "text/event-stream" }, signal: abort.signal });
  if (!response.ok || !response.body) throw new Error(`event stream on ${server.url} answered ${response.status}`);
  let received = "";
  const reading = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        received += value;
      }
    } catch {
      // Closed by us.
    }
  })();
  const waitFor = async (needle: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (received.split("\n\n").some((event) => event.includes("event: message.created") && event.includes(needle))) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  };
  const resync = Date.now() + 5000;
  while (!received.includes("event: resync") && Date.now() < resync) await new Promise((r) => setTimeout(r, 20));
  return {
    waitFor,
    close: () => {
      abort.abort();
      void reading;
    },
  };
}
