import { and, count, eq, gt, lt, sql } from "drizzle-orm";
import type { PlatformTx } from "@/db/transactions";
import { withPlatform } from "@/db/platform";
import { mailRequests } from "@/db/schema";
import { env } from "@/lib/config/env";
import { log } from "@/lib/log";
import { pruneTokens } from "./tokens";

/**
 * Mails anyone can make Switchboard send (sign-up, password reset, a new verification link),
 * limited within an hour: 5 to one address, so nobody's inbox is flooded, and 20 from one client
 * address (`MAIL_REQUESTS_PER_CLIENT_ADDRESS`: an office behind one NAT may need more), so
 * nobody sprays mails at many. Counted whether or not the address has an account, so the limit
 * tells nothing about who has one.
 */
export const mailPolicy = { perEmail: 5, windowMs: 60 * 60 * 1000 } as const;

export type MailVerdict = { allowed: true } | { allowed: false; retryAt: Date };

/**
 * Whether another mail may go to `email` at `ip`'s request, recording it if so. The two
 * transaction-scoped locks make counting and recording one step across connections and instances.
 */
export async function reserveMail(tx: PlatformTx, request: { email: string; ip: string }, now = new Date()): Promise<MailVerdict> {
  for (const key of [`mail-address:${request.ip}`, `mail-email:${request.email}`]) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
  }
  const since = new Date(now.getTime() - mailPolicy.windowMs);
  const retryTimes: number[] = [];
  for (const [column, value, limit] of [
    [mailRequests.email, request.email, mailPolicy.perEmail],
    [mailRequests.ip, request.ip, env().MAIL_REQUESTS_PER_CLIENT_ADDRESS],
  ] as const) {
    const [row] = await tx
      .select({ n: count(), oldest: sql<string>`min(${mailRequests.requestedAt})` })
      .from(mailRequests)
      .where(and(eq(column, value), gt(mailRequests.requestedAt, since)));
    if (row && row.n >= limit) retryTimes.push(new Date(row.oldest).getTime() + mailPolicy.windowMs);
  }
  if (retryTimes.length > 0) return { allowed: false, retryAt: new Date(Math.max(...retryTimes)) };
  await tx.insert(mailRequests).values({ email: request.email, ip: request.ip.slice(0, 64), requestedAt: now });
  return { allowed: true };
}

/** What a person reads when refused: what happened and when to try again. */
export function mailThrottleMessage(retryAt: Date, now = new Date()): string {
  const minutes = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 60_000));
  return `Too many emails asked for. For everyone's safety, try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** Deletes mail requests past their window and links used or expired a day ago; says how many. */
export async function pruneAccountMail(tx: PlatformTx, now = new Date()): Promise<{ requests: number; tokens: number }> {
  const removed = await tx
    .delete(mailRequests)
    .where(lt(mailRequests.requestedAt, new Date(now.getTime() - mailPolicy.windowMs)))
    .returning({ id: mailRequests.id });
  return { requests: removed.length, tokens: await pruneTokens(tx, now) };
}

/** The hourly prune, run by the server's job worker (lib/server/background-jobs.ts). */
export const accountMailPruning = {
  name: "account-mail-pruning",
  everySeconds: 60 * 60,
  run: async () => {
    const { requests, tokens } = await withPlatform((tx) => pruneAccountMail(tx));
    if (requests + tokens > 0) log.info("account_mail_pruned", { requests, tokens });
  },
};
