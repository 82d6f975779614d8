import { z } from "zod";
import { withTenant } from "@/db/tenant";
import { workspaceAccess, type WorkspaceAccess } from "@/lib/edge/workspace-access";
import { isSameOriginRequest } from "@/lib/auth/origin";
import { hasRole } from "@/lib/workspace/roles";
import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import type { Actor, Role, TenantCtx } from "@/lib/domain/context";
import { AppError, notFound } from "@/lib/domain/errors";
import { cappedJson } from "@/lib/http/body";
import { parseInput, queryOf } from "./input";
import { errorResponse } from "./status";

/** What a route declares: the least role it needs, and schemas for its ids, query and JSON body. */
export type RouteSpec<P, Q, B> = {
  role?: Role;
  /** Ids from the path besides the slug; one that cannot be an id names nothing here: 404. */
  params?: z.ZodType<P>;
  /** The query string; a value no page of ours writes is 400. */
  query?: z.ZodType<Q>;
  /** The JSON body, typed by a person: a problem with it is 422 with the problem in words. */
  body?: z.ZodType<B>;
};

export type RouteCall<P, Q, B> = {
  access: WorkspaceAccess;
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  request: Request;
  /** Runs `work` in one transaction of the caller's workspace, with the domain context. */
  inTenant: <T>(work: (ctx: TenantCtx) => Promise<T>) => Promise<T>;
};

type RouteContext = { params: Promise<Record<string, string | string[]>> };

/**
 * The one edge of the workspace's JSON routes (app/api/w/[slug]/…): a cross-site mutation
 * is 403, signed out 401, not a member or a role too low 404; then the input is validated
 * and `handle` runs. It answers a Response as it is, null as 404, anything else as JSON;
 * an AppError becomes its status and words (lib/edge/status.ts), anything else a 500.
 */
export function workspaceRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: RouteSpec<P, Q, B>,
  handle: (call: RouteCall<P, Q, B>) => Promise<unknown>,
): (request: Request, context: RouteContext) => Promise<Response> {
  return async (request, context) => {
    try {
      const { slug, ...ids } = await context.params;
      const access = await requireAccess(request, typeof slug === "string" ? slug : "", spec.role ?? "agent");
      const params = spec.params ? spec.params.safeParse(ids) : { success: true as const, data: {} as P };
      if (!params.success) throw notFound();
      const query = spec.query ? parseInput(spec.query, queryOf(request), "invalid") : ({} as Q);
      let body = undefined as B;
      if (spec.body) {
        const json = await cappedJson(request);
        if (json instanceof Response) return json;
        body = parseInput(spec.body, json, "rejected");
      }
      const actor = { tenantId: access.tenantId, userId: access.userId, role: access.role };
      const inTenant = <T>(work: (ctx: TenantCtx) => Promise<T>) => withTenant(access.tenantId, (tx) => work({ tx, actor }));
      const result = await handle({ access, actor, params: params.data, query, body, request, inTenant });
      if (result instanceof Response) return result;
      if (result === null) throw new AppError("not_found", "Not found.");
      return Response.json(result, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

async function requireAccess(request: Request, slug: string, role: Role): Promise<WorkspaceAccess> {
  const safe = request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS";
  if (!safe && !isSameOriginRequest(request.headers, env().APP_URL)) {
    throw new AppError("cross_site", "Cross-site requests are not allowed.");
  }
  if (!(await currentUser())) throw new AppError("unauthenticated", "Sign in to continue.");
  const access = await workspaceAccess(slug);
  if (!access || !hasRole(access.role, role)) throw new AppError("not_found", "Not found.");
  return access;
}

/** Path ids that must be uuids. */
export const uuidParams = <K extends string>(...keys: K[]) =>
  z.object(Object.fromEntries(keys.map((key) => [key, z.uuid()])) as Record<K, z.ZodUUID>);
