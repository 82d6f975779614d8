import type { Tx } from "./client";
import { withPlatform, workspacesOfUser } from "./platform";
import { enterTenant, withTenant } from "./tenant";
import type { PlatformTx, TenantTx } from "./transactions";

/**
 * Compiled by `npm run typecheck`, never run: each `@ts-expect-error` fails the typecheck
 * if the line below it compiles, i.e. if a tenant and a platform transaction could be swapped.
 */
declare const needsTenant: (tx: TenantTx) => void;
declare const needsPlatform: (tx: PlatformTx) => void;
declare const unbranded: Tx;
declare const tenantId: string;

export async function tenantAndPlatformCannotBeSwapped(): Promise<void> {
  await withPlatform(async (tx) => {
    needsPlatform(tx);
    // @ts-expect-error a platform transaction is not confined to a workspace
    needsTenant(tx);
    needsTenant(await enterTenant(tx, tenantId));
  });
  await withTenant(tenantId, async (tx) => {
    needsTenant(tx);
    // @ts-expect-error a tenant transaction cannot run the cross-workspace lookups
    await workspacesOfUser(tx, "user-id");
    // @ts-expect-error entering a tenant starts from the platform connection only
    await enterTenant(tx, tenantId);
  });
  // @ts-expect-error a bare drizzle transaction is neither
  needsTenant(unbranded);
  // @ts-expect-error a bare drizzle transaction is neither
  needsPlatform(unbranded);
}
