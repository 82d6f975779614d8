import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { withPlatform } from "@/db/platform";
import { loginAttempts } from "@/db/schema";
import { authenticate } from "./credentials";
import { signUp } from "./signup";
import { pruneLoginAttempts, throttleMessage, throttlePolicy } from "./throttle";

const minute = 60_000;
let n = 0;
const person = () => ({ email: `owner${++n}@example.test`, password: "correct horse battery", ip: `203.0.113.${n}` });

async function signedUp() {
  const p = person();
  const { user } = await signUp({ name: "Ana", email: p.email, password: p.password, workspaceName: "Acme" });
  return { ...p, userId: user.id };
}

it("signs in with the right password and refuses a wrong one or an unknown email the same way", async () => {
  const p = await signedUp();
  expect(await authenticate(p)).toEqual({ ok: true, userId: p.userId });
  expect(await authenticate({ ...p, email: p.email.toUpperCase() })).toEqual({ ok: true, userId: p.userId });
  expect(await authenticate({ ...p, password: "wrong password" })).toEqual({ ok: false, reason: "invalid" });
  expect(await authenticate({ ...p, email: "nobody@example.test" })).toEqual({ ok: false, reason: "invalid" });
});

it("refuses the 11th attempt for an email after 10 failures in 15 minutes, even with the right password, and recovers", async () => {
  const p = await signedUp();
  const start = new Date("2030-01-01T10:00:00Z");
  for (let i = 0; i < throttlePolicy.maxFailures; i++) {
    const outcome = await authenticate({ ...p, password: "wrong", ip: `198.51.100.${i}` }, new Date(start.getTime() + i * minute));
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

it("refuses every email from an IP that failed 10 times, and not other IPs", async () => {
  const victim = await signedUp();
  const ip = "192.0.2.77";
  const start = new Date("2030-02-01T10:00:00Z");
  for (let i = 0; i < throttlePolicy.maxFailures; i++) {
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

it("forgets sign-in attempts after a day, and pruning never lifts a pause that is still running", async () => {
  const p = await signedUp();
  const now = new Date("2031-06-01T12:00:00Z");
  const day = 24 * 60 * minute;
  for (let i = 0; i < throttlePolicy.maxFailures; i++) await authenticate({ ...p, password: "wrong" }, new Date(now.getTime() - 2 * day + i * minute));
  for (let i = 0; i < throttlePolicy.maxFailures; i++) await authenticate({ ...p, password: "wrong" }, new Date(now.getTime() - 10 * minute + i * 1000));
  const kept = () => withPlatform((tx) => tx.select().from(loginAttempts).where(eq(loginAttempts.email, p.email)));
  expect(await kept()).toHaveLength(2 * throttlePolicy.maxFailures);

  expect(await withPlatform((tx) => pruneLoginAttempts(tx, now))).toBeGreaterThanOrEqual(throttlePolicy.maxFailures);
  const left = await kept();
  expect(left).toHaveLength(throttlePolicy.maxFailures);
  expect(left.every((a) => a.attemptedAt.getTime() > now.getTime() - day)).toBe(true);
  expect(await authenticate(p, now)).toMatchObject({ ok: false, reason: "throttled" });
});
