import type { memberRole } from "@/db/schema";
import type { PlatformTx, TenantTx } from "@/db/transactions";
import type { GraphClient } from "@/lib/whatsapp/graph/client";

export type Role = (typeof memberRole.enumValues)[number];

/** Who calls a domain function: a member of one workspace, with their role as of this request. */
export type Actor = { tenantId: string; userId: string; role: Role };

/**
 * What every domain function receives first; its input (already validated at the edge)
 * comes second: `fn(ctx, input)`. Dependencies on the outside world ride in the context
 * too, optional, defaulting to production (tests pass the fake Graph server's client).
 */
export type Deps = { graph?: GraphClient; mediaDir?: string };

/** The usual context: the actor and their workspace's open transaction. */
export type TenantCtx = { tx: TenantTx; actor: Actor } & Deps;

/**
 * For the few functions that talk to Meta between two short transactions (sending, marking
 * read, fetching media, proving numbers) and so must not be handed a transaction to hold
 * open across the network: they open their own with `withTenant(ctx.actor.tenantId, …)`.
 */
export type ActorCtx = { actor: Actor } & Deps;

/** For the few workspace changes made on the platform connection (renaming, deleting a workspace). */
export type PlatformCtx = { tx: PlatformTx; actor: Actor };

/**
 * For work done for a workspace with nobody behind it as well as for a person (the template
 * sync, run by the job worker and by an admin's button): the workspace, and the outside world.
 */
export type WorkspaceCtx = { tenantId: string } & Deps;

/** A signed-in person outside any workspace (creating one), on the platform connection. */
export type UserCtx = { tx: PlatformTx; userId: string };
