import { hasRole, type Role } from "@/lib/workspace/roles";

/** The caller of a domain function: a member of one workspace, with their current role. */
export type Actor = { tenantId: string; userId: string; role: Role };

/** A record that is not in this workspace (or does not exist). Callers answer 404. */
export class NotFoundError extends Error {
  constructor(what = "Record") {
    super(`${what} not found in this workspace.`);
    this.name = "NotFoundError";
  }
}

/** The caller's role does not allow this. Callers answer 404, as for a page they cannot see. */
export class ForbiddenError extends Error {
  constructor(message = "Your role in this workspace does not allow this.") {
    super(message);
    this.name = "ForbiddenError";
  }
}

/** A rule the person can act on, shown beside `field` or above the form. */
export class RuleError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "RuleError";
  }
}

export function requireRole(actor: Actor, minimum: Role): void {
  if (!hasRole(actor.role, minimum)) throw new ForbiddenError();
}
