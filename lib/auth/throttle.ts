import { and, desc, eq, gt, lt, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { withPlatform } from "@/db/platform";
import { loginAttempts } from "@/db/schema";
import { log } from "@/lib/log";

/**
 * Brute-force protection kept in the database, so it holds across app instances:
 * 10 failed sign-ins for one email, or from one IP, within 15 minutes refuse further
 * attempts until the oldest of those failures is 15 minutes old. A successful sign-in
 * clears the count for its email (not for the IP, which an attacker may share).
 */
export const throttlePolicy = { maxFailures: 10, windowMs: 15 * 60 * 1000 } as const;

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAt: Date };

type Attempt = { email: string; ip: string };

export async function checkThrottle(tx: Tx, attempt: Attempt, now = new Date()): Promise<ThrottleVerdict> {
  const since = new Date(now.getTime() - throttlePolicy.windowMs);
  const lastSuccess = sql`coalesce((select max(${loginAttempts.attemptedAt}) from ${loginAttempts}
    where ${loginAttempts.email} = ${attempt.email} and ${loginAttempts.succeeded}), '-infinity'::timestamptz)`;
  const byEmail = await tx
    .select({ at: loginAttempts.attemptedAt })
    .from(loginAttempts)
    .where(
      and(
        eq(loginAttempts.email, attempt.email),
        eq(loginAttempts.succeeded, false),
        gt(loginAttempts.attemptedAt, since),
        sql`${loginAttempts.attemptedAt} > ${lastSuccess}`,
      ),
    )
    .orderBy(desc(loginAttempts.attemptedAt))
    .limit(throttlePolicy.maxFailures);
  const byIp = await tx
    .select({ at: loginAttempts.attemptedAt })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.ip, attempt.ip), eq(loginAttempts.succeeded, false), gt(loginAttempts.attemptedAt, since)))
    .orderBy(desc(loginAttempts.attemptedAt))
    .limit(throttlePolicy.maxFailures);

  // Blocked until the failure that completed the count falls out of the window.
  const retryTimes = [byEmail, byIp]
    .filter((failures) => failures.length >= throttlePolicy.maxFailures)
    .map((failures) => failures[throttlePolicy.maxFailures - 1]!.at.getTime() + throttlePolicy.windowMs);
  if (retryTimes.length === 0) return { allowed: true };
  return { allowed: false, retryAt: new Date(Math.max(...retryTimes)) };
}

export async function recordAttempt(tx: Tx, attempt: Attempt & { succeeded: boolean }, now = new Date()): Promise<void> {
  await tx.insert(loginAttempts).values({ ...attempt, attemptedAt: now });
}

/**
 * How long sign-in attempts are kept. The throttle looks back 15 minutes; a day more is left
 * for someone investigating an attack, and then the rows go, or every sign-in anyone ever
 * tried would stay in the table for good.
 */
export const attemptRetentionMs = 24 * 60 * 60 * 1000;

/** Deletes the attempts older than the retention; returns how many. */
export async function pruneLoginAttempts(tx: Tx, now = new Date()): Promise<number> {
  const removed = await tx
    .delete(loginAttempts)
    .where(lt(loginAttempts.attemptedAt, new Date(now.getTime() - attemptRetentionMs)))
    .returning({ id: loginAttempts.id });
  return removed.length;
}

/** Prunes now and then every hour, for as long as the server runs. */
export function startLoginAttemptPruning(): void {
  const run = async () => {
    try {
      const removed = await withPlatform((tx) => pruneLoginAttempts(tx));
      if (removed > 0) log.info("login_attempts_pruned", { removed });
    } catch (error) {
      log.warn("login_attempts_prune_failed", { error: error instanceof Error ? error.message : String(error) });
    }
  };
  void run();
  setInterval(() => void run(), 60 * 60 * 1000).unref();
}

/** The message a person sees when refused: what happened and when to try again. */
export function throttleMessage(retryAt: Date, now = new Date()): string {
  const minutes = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 60_000));
  return `Too many sign-in attempts. For your security, sign-in is paused: try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}
