import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { memberships, workspaces } from "@/db/schema";
import { enterTenant } from "@/db/tenant";
import { log } from "@/lib/log";
import { rejected } from "@/lib/domain/errors";
import type { PlatformCtx, UserCtx } from "@/lib/domain/context";
import { requireRole } from "./access";
import { recordAudit } from "./audit";
import { typedText } from "@/lib/typed-text";

export const workspaceNameSchema = typedText()
  .trim()
  .min(2, "Use at least 2 characters for the workspace name.")
  .max(80, "Keep the workspace name under 80 characters.");

export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return base || "workspace";
}

/**
 * A new workspace with the user as its owner, on an open platform transaction that this
 * turns into the new workspace's tenant transaction. The slug comes from the name; a
 * taken slug gets a random suffix (ON CONFLICT, so two sign-ups cannot race for it).
 */
export async function createWorkspace({ tx, userId }: UserCtx, { name }: { name: string }) {
  const base = slugify(name);
  let workspace: { id: string; name: string; slug: string } | undefined;
  for (let attempt = 0; !workspace; attempt++) {
    if (attempt === 8) throw new Error("Could not find a free workspace slug");
    const slug = attempt === 0 ? base : `${base}-${randomBytes(3).toString("hex")}`;
    [workspace] = await tx
      .insert(workspaces)
      .values({ name, slug })
      .onConflictDoNothing({ target: workspaces.slug })
      .returning({ id: workspaces.id, name: workspaces.name, slug: workspaces.slug });
  }
  const tenantTx = await enterTenant(tx, workspace.id);
  await tenantTx.insert(memberships).values({ tenantId: workspace.id, userId, role: "owner" });
  await recordAudit(tenantTx, { tenantId: workspace.id, actorUserId: userId, action: "workspace.created", target: name });
  log.info("workspace_created", { workspaceId: workspace.id });
  return workspace;
}

/** Renames (the slug, and so every link, stays). Platform transaction; admins and owners. */
export async function renameWorkspace({ tx, actor }: PlatformCtx, input: { name: string }) {
  requireRole(actor, "admin");
  const [before] = await tx.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, actor.tenantId));
  if (!before) throw rejected("This workspace no longer exists.");
  if (before.name === input.name) return;
  await tx.update(workspaces).set({ name: input.name }).where(eq(workspaces.id, actor.tenantId));
  const tenantTx = await enterTenant(tx, actor.tenantId);
  await recordAudit(tenantTx, {
    tenantId: actor.tenantId,
    actorUserId: actor.userId,
    action: "workspace.renamed",
    target: input.name,
    details: { from: before.name, to: input.name },
  });
}

/**
 * Deletes the workspace and everything it owns (numbers, conversations, members, audit
 * log); its numbers become free to connect elsewhere. Owners only, and only when the
 * exact name is typed, so it never happens by accident. Platform transaction.
 */
export async function deleteWorkspace({ tx, actor }: PlatformCtx, input: { confirmName: string }) {
  requireRole(actor, "owner");
  const [workspace] = await tx.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, actor.tenantId));
  if (!workspace) return;
  if (input.confirmName.trim() !== workspace.name) {
    throw rejected(`Type the workspace name, ${workspace.name}, exactly to confirm.`, "confirmName");
  }
  await tx.delete(workspaces).where(eq(workspaces.id, actor.tenantId));
  log.info("workspace_deleted", { workspaceId: actor.tenantId, byUserId: actor.userId });
}
