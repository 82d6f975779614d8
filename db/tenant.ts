import { sql } from "drizzle-orm";
import { z } from "zod";
import { db, type Tx } from "./client";

const tenantIdSchema = z.uuid();

/**
 * The only door to workspace data. One transaction; the tenant is set from a bound
 * parameter, transaction-local, and the transaction drops to the non-privileged role,
 * so row-level security holds even if a query forgets its tenant filter.
 */
export async function withTenant<T>(tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  const tenant = tenantIdSchema.parse(tenantId);
  return db().transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('app.tenant_id', ${tenant}, true), set_config('role', 'switchboard_tenant', true)`,
    );
    return work(tx);
  });
}
