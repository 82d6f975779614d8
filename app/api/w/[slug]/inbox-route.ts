import { ZodError } from "zod";
import { withTenant } from "@/db/tenant";
import type { Tx } from "@/db/client";
import { workspaceForRoute, type WorkspaceAccess } from "@/lib/edge/workspace-access";
import { InboxError } from "@/lib/inbox/errors";

/**
 * The shared edge of the inbox's JSON routes: access once per request, the work in one
 * tenant transaction, invalid input as 400 with the first problem in words, and ids of
 * another workspace (null results, InboxError) as the same 404 an unknown id gets.
 */
export async function inboxRoute(
  request: Request,
  slug: string,
  work: (tx: Tx, access: WorkspaceAccess) => Promise<unknown>,
): Promise<Response> {
  const access = await workspaceForRoute(request, slug);
  if (access instanceof Response) return access;
  try {
    const result = await withTenant(access.tenantId, (tx) => work(tx, access));
    if (result === null) return Response.json({ error: "Not found." }, { status: 404 });
    return Response.json(result, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    if (error instanceof ZodError) {
      return Response.json({ error: error.issues[0]?.message ?? "Invalid request." }, { status: 400 });
    }
    if (error instanceof InboxError) return Response.json({ error: error.message }, { status: 404 });
    throw error;
  }
}

/** A URL's query string as a plain object, empty values dropped (so `?number=` means "any"). */
export function queryOf(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URL(request.url).searchParams) if (value !== "") out[key] = value;
  return out;
}
