import type { Tx } from "./client";

declare const tenantConnection: unique symbol;
declare const platformConnection: unique symbol;

/**
 * A transaction confined to one workspace by row-level security: only `withTenant` (and
 * `enterTenant`) hand one out. Domain functions that read or write a workspace's rows take
 * this type, so the compiler refuses a platform transaction where a tenant one is needed.
 */
export type TenantTx = Tx & { readonly [tenantConnection]: true };

/**
 * A transaction on the platform connection, which crosses workspaces: only `withPlatform`
 * hands one out, for the lookups in db/platform.ts and the few platform writes (users,
 * workspaces, routing). It cannot be passed where a TenantTx is expected, nor the reverse.
 */
export type PlatformTx = Tx & { readonly [platformConnection]: true };
