import { and, desc, eq, gt, lt, sql, type SQL } from "drizzle-orm";
import type { PlatformTx } from "@/db/transactions";
import { withPlatform } from "@/db/platform";
import { loginAttempts } from "@/db/schema";
import { log } from "@/lib/log";

/**
 * Brute-force protection kept in the database, so it holds across app instances. Failed
 * sign-ins within 15 minutes are counted in two tiers; the one that is full refuses until
 * the failure that filled it is 15 minutes old:
 * - one address, any emails: 10 (no reset on success, since an attacker may share the
 *   address and succeed with an account of their own);
 * - one email from every address it has not signed in from within the last day: 50, so a
 *   guesser spread over many addresses is bounded, while the owner at an address they use is
 *   never paused by strangers elsewhere.
 * An attempt is counted before its password is checked (see `reserveAttempt`).
 */
export const throttlePolicy = { perAddress: 10, perEmailFromNewAddresses: 50, windowMs: 15 * 60 * 1000 } as const;

export type ThrottleVerdict = { allowed: true; attemptId: string } | { allowed: false; retryAt: Date };

type Attempt = { email: string; ip: string };

/**
 * Decides whether an attempt may check a password and, if so, records it as a failure first
 * (`attemptSucceeded` turns it into a success). Holding a transaction-scoped lock on the
 * address and on the email while counting and recording makes the two one step for every
 * connection and app instance: of any number of concurrent guesses, only as many as the
 * tiers leave ever reach the password check. A process that dies mid-check leaves a failure.
 */
export async function reserveAttempt(tx: PlatformTx, attempt: Attempt, now = new Date()): Promise<ThrottleVerdict> {
  // Always the address before the email, so two attempts never wait on each other in a cycle.
  for (const key of [`address:${attempt.ip}`, `email:${attempt.email}`]) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
  }
  const since = new Date(now.getTime() - throttlePolicy.windowMs);
  const fromHere = and(eq(loginAttempts.email, attempt.email), eq(loginAttempts.ip, attempt.ip));
  const fullSince = [await nthFailure(tx, eq(loginAttempts.ip, attempt.ip), since, throttlePolicy.perAddress)];
  const byEmail = await nthFailure(tx, eq(loginAttempts.email, attempt.email), since, throttlePolicy.perEmailFromNewAddresses);
  if (byEmail && !(await signedInFromHere(tx, fromHere!, now))) fullSince.push(byEmail);

  const retryTimes = fullSince.filter((at) => at !== null).map((at) => at.getTime() + throttlePolicy.windowMs);
  if (retryTimes.length > 0) return { allowed: false, retryAt: new Date(Math.max(...retryTimes)) };

  const [reserved] = await tx
    .insert(loginAttempts)
    .values({ ...attempt, succeeded: false, attemptedAt: now })
    .returning({ id: loginAttempts.id });
  return { allowed: true, attemptId: reserved!.id };
}

/** The time of the `n`th most recent failure matching `where` since `since`, or null when there are fewer. */
async function nthFailure(tx: PlatformTx, where: SQL, since: Date, n: number): Promise<Date | null> {
  const [row] = await tx
    .select({ at: loginAttempts.attemptedAt })
    .from(loginAttempts)
    .where(and(where, eq(loginAttempts.succeeded, false), gt(loginAttempts.attemptedAt, since)))
    .orderBy(desc(loginAttempts.attemptedAt))
    .offset(n - 1)
    .limit(1);
  return row?.at ?? null;
}

async function signedInFromHere(tx: PlatformTx, fromHere: SQL, now: Date): Promise<boolean> {
  const [row] = await tx
    .select({ id: loginAttempts.id })
    .from(loginAttempts)
    .where(and(fromHere, eq(loginAttempts.succeeded, true), gt(loginAttempts.attemptedAt, new Date(now.getTime() - attemptRetentionMs))))
    .limit(1);
  return row !== undefined;
}

/** The password was right: the reserved attempt becomes a success. */
export async function attemptSucceeded(tx: PlatformTx, attemptId: string): Promise<void> {
  await tx.update(loginAttempts).set({ succeeded: true }).where(eq(loginAttempts.id, attemptId));
}

/**
 * How long sign-in attempts are kept. The throttle looks back 15 minutes; a day more is left
 * for someone investigating an attack, and then the rows go, or every sign-in anyone ever
 * tried would stay in the table for good.
 */
export const attemptRetentionMs = 24 * 60 * 60 * 1000;

/** Deletes the attempts older than the retention; returns how many. */
export async function pruneLoginAttempts(tx: PlatformTx, now = new Date()): Promise<number> {
  const removed = await tx
    .delete(loginAttempts)
    .where(lt(loginAttempts.attemptedAt, new Date(now.getTime() - attemptRetentionMs)))
    .returning({ id: loginAttempts.id });
  return removed.length;
}

/** The hourly prune, run by the server's job worker (lib/server/background-jobs.ts). */
export const loginAttemptPruning = {
  name: "login-attempt-pruning",
  everySeconds: 60 * 60,
  run: async () => {
    const removed = await withPlatform((tx) => pruneLoginAttempts(tx));
    if (removed > 0) log.info("login_attempts_pruned", { removed });
  },
};

/** The message a person sees when refused: what happened and when to try again. */
export function throttleMessage(retryAt: Date, now = new Date()): string {
  const minutes = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 60_000));
  return `Too many sign-in attempts. For your security, sign-in is paused: try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}
