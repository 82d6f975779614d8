import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { z } from "zod";
import { membershipBySlug, withPlatform } from "@/db/platform";
import { requestPathHeader } from "@/lib/http/request-path";
import type { Actor } from "@/lib/domain/context";
import { hasRole, type Role } from "@/lib/workspace/roles";
import { currentUser, signInPath, type SessionUser } from "@/lib/auth/session";

/**
 * Who is asking, in which workspace, with which role: resolved once per request from
 * the database (never from the session token), so removing a member or changing a role
 * takes effect on the very next request.
 *
 * - Pages and layouts:   `const access = await requireWorkspace(slug, "admin")`
 * - Route handlers and server actions: the wrappers in lib/edge, which use the same.
 *
 * Then reach the workspace's data with `withTenant(access.tenantId, tx => …)`: row-level
 * security confines every query to this workspace, so a record id from another workspace
 * finds nothing. A workspace the user is not a member of answers 404, exactly like one
 * that does not exist, and so does a page the user's role may not see.
 */
export type WorkspaceAccess = Actor & {
  user: SessionUser;
  workspace: { id: string; name: string; slug: string };
};

const slugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

/** The caller's membership of the workspace, or null (signed out, not a member, no such workspace). */
export const workspaceAccess = cache(async (slug: string): Promise<WorkspaceAccess | null> => {
  const user = await currentUser();
  if (!user || !slugSchema.safeParse(slug).success) return null;
  const membership = await withPlatform((tx) => membershipBySlug(tx, user.id, slug));
  if (!membership) return null;
  const { role, ...workspace } = membership;
  return { tenantId: workspace.id, userId: user.id, role, user, workspace };
});

/**
 * For pages: signed-out visitors go to sign in, and come back to the page they asked for
 * (proxy.ts hands over its address); anyone without the role gets a 404.
 */
export async function requireWorkspace(slug: string, minimumRole: Role = "agent"): Promise<WorkspaceAccess> {
  if (!(await currentUser())) {
    const asked = (await headers()).get(requestPathHeader);
    redirect(signInPath(asked ?? `/w/${slugSchema.safeParse(slug).success ? slug : ""}`));
  }
  const access = await workspaceAccess(slug);
  if (!access || !hasRole(access.role, minimumRole)) notFound();
  return access;
}
