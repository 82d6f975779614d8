import { sql } from "drizzle-orm";
import { z } from "zod";
import { db, type Tx } from "./client";
import type { PlatformTx, TenantTx } from "./transactions";

const tenantIdSchema = z.uuid();

/**
 * The only door to workspace data. One transaction; the tenant is set from a bound
 * parameter, transaction-local, and the transaction drops to the non-privileged role,
 * so row-level security holds even if a query forgets its tenant filter.
 */
export async function withTenant<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>, options: EnterOptions = {}): Promise<T> {
  return db().transaction(async (tx) => work(await enterTenant(tx as PlatformTx, tenantId, options)));
}

type EnterOptions = {
  /**
   * A transaction-level advisory lock to hold from the start, taken in the statement that enters
   * the tenant: one round trip, not two, for work that runs many short transactions (the ingest's
   * batches, lib/ingest/process.ts).
   */
  lock?: string;
};

/**
 * Turns an open platform transaction into a tenant one for the rest of its life, for the
 * few writes that must create platform rows and workspace rows atomically (sign-up,
 * accepting an invitation, connecting a number). Do the platform writes first: there is
 * no way back to the platform role inside the transaction. Returns the same transaction
 * typed as a tenant one; use it, not the platform handle, from then on.
 */
export async function enterTenant(tx: PlatformTx, tenantId: string, { lock }: EnterOptions = {}): Promise<TenantTx> {
  const tenant = tenantIdSchema.parse(tenantId);
  const locked = lock === undefined ? sql`` : sql`, pg_advisory_xact_lock(hashtextextended(${lock}, 0))`;
  await tx.execute(
    sql`select set_config('app.tenant_id', ${tenant}, true), set_config('role', 'switchboard_tenant', true)${locked}`,
  );
  return tx as Tx as TenantTx;
}
