import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { database } from "@/db/client";
import { withPlatform } from "@/db/platform";
import { loginAttempts } from "@/db/schema";
import { onPostgres, whileTableLocked } from "@/testing/db/interleaved";
import { authenticate, clientIp, type SignInOutcome } from "./credentials";
import { signUp } from "@/lib/workspace/signup";
import { pruneLoginAttempts, throttleMessage } from "./throttle";

// The policy is pinned by what a person sees, so these tests use its numbers, not the module's.
const minute = 60_000;
let n = 0;
const person = () => ({ email: `owner${++n}@example.test`, password: "correct horse battery", ip: `203.0.113.${n}` });

async function signedUp() {
  const p = person();
  const { user } = await signUp({ name: "Ana", email: p.email, password: p.password, workspaceName: "Acme" });
  return { ...p, userId: user.id };
}

const reasons = (outcomes: SignInOutcome[]) => outcomes.map((o) => (o.ok ? "ok" : o.reason));
const count = (list: string[], value: string) => list.filter((v) => v === value).length;

it("throttles by the address the server entry wrote, never by X-Forwarded-For or X-Real-IP", () => {
  expect(clientIp({ "x-switchboard-client-ip": "127.0.0.2", "x-forwarded-for": "203.0.113.9" })).toBe("127.0.0.2");
  expect(clientIp(new Headers({ "x-switchboard-client-ip": "127.0.0.2" }))).toBe("127.0.0.2");
  expect(clientIp({ "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.10" })).toBe("unknown");
});

it("signs in with the right password and refuses a wrong one or an unknown email the same way", async () => {
  const p = await signedUp();
  expect(await authenticate(p)).toEqual({ ok: true, userId: p.userId });
  expect(await authenticate({ ...p, email: p.email.toUpperCase() })).toEqual({ ok: true, userId: p.userId });
  expect(await authenticate({ ...p, password: "wrong password" })).toEqual({ ok: false, reason: "invalid" });
  expect(await authenticate({ ...p, email: "nobody@example.test" })).toEqual({ ok: false, reason: "invalid" });
});

it("refuses the 11th attempt for an email from an address after 10 failures in 15 minutes, even with the right password, and recovers", async () => {
  const p = await signedUp();
  const start = new Date("2030-01-01T10:00:00Z");
  for (let i = 0; i < 10; i++) {
    const outcome = await authenticate({ ...p, password: "wrong" }, new Date(start.getTime() + i * minute));
    expect(outcome).toEqual({ ok: false, reason: "invalid" });
  }
  const during = new Date(start.getTime() + 10 * minute);
  const refused = await authenticate(p, during);
  expect(refused).toMatchObject({ ok: false, reason: "throttled" });
  // The first failure leaves the window at 10:15; one fewer than 10 then remain.
  expect(refused.ok === false && refused.reason === "throttled" && refused.retryAt.toISOString()).toBe("2030-01-01T10:15:00.000Z");
  expect(throttleMessage(new Date("2030-01-01T10:15:00Z"), during)).toBe(
    "Too many sign-in attempts. For your security, sign-in is paused: try again in 5 minutes.",
  );
  expect(await authenticate(p, new Date("2030-01-01T10:15:01Z"))).toEqual({ ok: true, userId: p.userId });
});

it("does not let a stranger's failures at other addresses pause the owner at theirs", async () => {
  const owner = await signedUp();
  const start = new Date("2030-04-01T10:00:00Z");
  const at = (s: number) => new Date(start.getTime() + s * 1000);
  expect(await authenticate(owner, at(0))).toEqual({ ok: true, userId: owner.userId });

  const stranger = { ...owner, password: "guess", ip: "127.0.0.2" };
  for (let i = 0; i < 10; i++) expect(await authenticate(stranger, at(1 + i))).toEqual({ ok: false, reason: "invalid" });
  expect(await authenticate(stranger, at(20))).toMatchObject({ ok: false, reason: "throttled" });
  expect(await authenticate(owner, at(21))).toEqual({ ok: true, userId: owner.userId });

  // Spread over more addresses, 50 failures in 15 minutes pause the email at every address it
  // has not signed in from; the owner's own address still works.
  for (let a = 0; a < 4; a++) {
    for (let i = 0; i < 10; i++) await authenticate({ ...stranger, ip: `198.51.100.${a}` }, at(30 + a * 10 + i));
  }
  expect(await authenticate({ ...stranger, ip: "198.51.100.200" }, at(80))).toMatchObject({ ok: false, reason: "throttled" });
  expect(await authenticate({ ...owner, ip: "198.51.100.201" }, at(81))).toMatchObject({ ok: false, reason: "throttled" });
  expect(await authenticate(owner, at(82))).toEqual({ ok: true, userId: owner.userId });
});

it("refuses every email from an IP that failed 10 times, and not other IPs", async () => {
  const victim = await signedUp();
  const ip = "192.0.2.77";
  const start = new Date("2030-02-01T10:00:00Z");
  for (let i = 0; i < 10; i++) {
    await authenticate({ email: `guess${i}@example.test`, password: "x", ip }, new Date(start.getTime() + i * 1000));
  }
  const now = new Date(start.getTime() + minute);
  expect(await authenticate({ ...victim, ip }, now)).toMatchObject({ ok: false, reason: "throttled" });
  expect(await authenticate(victim, now)).toEqual({ ok: true, userId: victim.userId });
  expect(await authenticate({ ...victim, ip }, new Date(start.getTime() + 16 * minute))).toEqual({ ok: true, userId: victim.userId });
});

it("lets a successful sign-in clear the count for its email", async () => {
  const p = await signedUp();
  const start = new Date("2030-03-01T10:00:00Z");
  const at = (m: number) => new Date(start.getTime() + m * 1000);
  for (let i = 0; i < 9; i++) await authenticate({ ...p, password: "wrong", ip: `10.9.0.${i}` }, at(i));
  expect(await authenticate(p, at(20))).toMatchObject({ ok: true });
  for (let i = 0; i < 9; i++) await authenticate({ ...p, password: "wrong", ip: `10.9.1.${i}` }, at(30 + i));
  expect(await authenticate(p, at(60))).toMatchObject({ ok: true });
});

it("counts 80 concurrent wrong guesses before checking any: 10 reach the password, and then the right one is refused", async () => {
  const p = await signedUp();
  const now = new Date("2030-05-01T10:00:00Z");
  const outcomes = await racing(() => Promise.all(Array.from({ length: 80 }, (_, i) => authenticate({ ...p, password: `guess-${i}` }, now))));
  const seen = reasons(outcomes);
  expect(count(seen, "invalid")).toBe(10);
  expect(count(seen, "throttled")).toBe(70);
  expect(await authenticate(p, now)).toMatchObject({ ok: false, reason: "throttled" });
  const recorded = await withPlatform((tx) => tx.select().from(loginAttempts).where(eq(loginAttempts.email, p.email)));
  expect(recorded.map((a) => a.succeeded)).toEqual(Array(10).fill(false));
});

it("lets only the one attempt an address has left through when ten arrive at once", async () => {
  const p = await signedUp();
  const start = new Date("2030-10-01T10:00:00Z");
  for (let i = 0; i < 9; i++) await authenticate({ ...p, password: "wrong" }, new Date(start.getTime() + i * 1000));
  // Ten at once, as many as the pool has connections: without the locks all ten would count nine failures and go on.
  const now = new Date(start.getTime() + minute);
  const seen = reasons(await racing(() => Promise.all(Array.from({ length: 10 }, (_, i) => authenticate({ ...p, password: `guess-${i}` }, now)))));
  expect(count(seen, "invalid")).toBe(1);
  expect(count(seen, "throttled")).toBe(9);
});

/**
 * Starts `work` with the attempts table locked from another connection, and lets them go only
 * once every connection of the pool (10, testing/db/setup.ts) waits on it: on Postgres the
 * guesses then race in every run. PGlite is one connection; the guesses interleave there anyway.
 */
async function racing<T>(work: () => Promise<T>): Promise<T> {
  if (!onPostgres || database().kind !== "postgres") return work();
  const started = await whileTableLocked("login_attempts", async (waiting) => {
    const running = work();
    while ((await waiting()) < 10) await new Promise((resolve) => setTimeout(resolve, 20));
    return { running };
  });
  return started.running;
}

it("forgets sign-in attempts after a day, and pruning never lifts a pause that is still running", async () => {
  const p = await signedUp();
  const now = new Date("2031-06-01T12:00:00Z");
  const day = 24 * 60 * minute;
  for (let i = 0; i < 10; i++) await authenticate({ ...p, password: "wrong" }, new Date(now.getTime() - 2 * day + i * minute));
  for (let i = 0; i < 10; i++) await authenticate({ ...p, password: "wrong" }, new Date(now.getTime() - 10 * minute + i * 1000));
  const kept = () => withPlatform((tx) => tx.select().from(loginAttempts).where(eq(loginAttempts.email, p.email)));
  expect(await kept()).toHaveLength(20);

  expect(await withPlatform((tx) => pruneLoginAttempts(tx, now))).toBeGreaterThanOrEqual(10);
  const left = await kept();
  expect(left).toHaveLength(10);
  expect(left.every((a) => a.attemptedAt.getTime() > now.getTime() - day)).toBe(true);
  expect(await authenticate(p, now)).toMatchObject({ ok: false, reason: "throttled" });
});

it("deletes exactly the attempts more than a day old, successes and failures alike, and says how many", async () => {
  const email = "pruned@example.test";
  const seeded = {
    monthOld: new Date("2020-05-01T12:00:00.000Z"),
    justOverADay: new Date("2020-06-01T11:59:59.999Z"),
    exactlyADay: new Date("2020-06-01T12:00:00.000Z"),
    anHourOld: new Date("2020-06-02T11:00:00.000Z"),
  };
  await withPlatform((tx) =>
    tx.insert(loginAttempts).values(
      Object.values(seeded).map((attemptedAt, i) => ({ email, ip: "192.0.2.9", succeeded: i % 2 === 0, attemptedAt })),
    ),
  );
  const now = new Date("2020-06-02T12:00:00.000Z");
  expect(await withPlatform((tx) => pruneLoginAttempts(tx, now))).toBe(2);
  const left = await withPlatform((tx) => tx.select().from(loginAttempts).where(eq(loginAttempts.email, email)));
  expect(left.map((a) => a.attemptedAt.toISOString()).sort()).toEqual([seeded.exactlyADay.toISOString(), seeded.anHourOld.toISOString()]);
  expect(await withPlatform((tx) => pruneLoginAttempts(tx, now))).toBe(0);
});

it("tells a paused person the whole minutes left, rounded up, and never fewer than one", () => {
  const now = new Date("2030-07-01T10:00:00Z");
  const inSeconds = (s: number) => new Date(now.getTime() + s * 1000);
  const wait = (s: number) => /try again in (.+)\.$/.exec(throttleMessage(inSeconds(s), now))?.[1];
  expect(wait(14 * 60 + 1)).toBe("15 minutes");
  expect(wait(61)).toBe("2 minutes");
  expect(wait(60)).toBe("1 minute");
  expect(wait(30)).toBe("1 minute");
  expect(wait(-5)).toBe("1 minute");
});

it("when both the address and the email are paused, names the later of the two times", async () => {
  const owner = await signedUp();
  const start = new Date("2030-08-01T10:00:00Z");
  const at = (s: number) => new Date(start.getTime() + s * 1000);
  const address = "192.0.2.150";
  // The address fills at 10:00 with guesses at other emails, so it is paused until 10:15.
  for (let i = 0; i < 10; i++) await authenticate({ email: `other${i}@example.test`, password: "x", ip: address }, at(i));
  // The owner's email fills at 10:05 from 50 other addresses, so it is paused until 10:20 at addresses it has not signed in from.
  for (let i = 0; i < 50; i++) await authenticate({ ...owner, password: "guess", ip: `198.51.100.${i}` }, at(300 + i));
  const refused = await authenticate({ ...owner, ip: address }, at(400));
  expect(refused.ok === false && refused.reason === "throttled" && refused.retryAt.toISOString()).toBe("2030-08-01T10:20:00.000Z");
});

it("does not count a guesser's own failures at an address as having signed in from it", async () => {
  const owner = await signedUp();
  const start = new Date("2030-09-01T10:00:00Z");
  const at = (s: number) => new Date(start.getTime() + s * 1000);
  // 50 failures for the email, 5 at each of 10 addresses: no address is full, the email is.
  for (let a = 0; a < 10; a++) {
    for (let i = 0; i < 5; i++) await authenticate({ ...owner, password: "guess", ip: `198.51.100.${a}` }, at(a * 5 + i));
  }
  expect(await authenticate({ ...owner, password: "guess", ip: "198.51.100.3" }, at(60))).toMatchObject({ ok: false, reason: "throttled" });
});
