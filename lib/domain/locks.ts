import { sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";

/**
 * Transaction-scoped advisory locks on names (a customer's phone number, a wamid…), held
 * until commit. All of them are taken in one statement, in the order of their 64-bit keys,
 * so two transactions locking overlapping sets wait for each other instead of deadlocking.
 * Taking a lock already held in the same transaction just holds it again.
 *
 * The locks must be taken in a statement of their own, before the statements they protect:
 * under READ COMMITTED each later statement then sees what the previous holder committed.
 */
export async function lockNames(tx: TenantTx, tenantId: string, names: Iterable<string>): Promise<void> {
  const keys = [...new Set(names)].map((name) => `${tenantId}:${name}`);
  if (keys.length === 0) return;
  await tx.execute(sql`
    select pg_advisory_xact_lock(key) from (
      select distinct hashtextextended(name, 0) as key
      from unnest(${sql.param(keys)}::text[]) as name
      order by 1
    ) as ordered`);
}

/** The lock names this module's callers agree on. */
export const lockName = {
  phone: (waId: string) => `contact.wa:${waId}`,
  user: (userId: string) => `contact.user:${userId}`,
  wamid: (wamid: string) => `status:${wamid}`,
};
