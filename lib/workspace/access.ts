import type { Actor, Role } from "@/lib/domain/context";
import { forbidden } from "@/lib/domain/errors";
import { hasRole } from "@/lib/workspace/roles";

/** The domain's own role check, behind the edge's: a call from anywhere else is refused too. */
export function requireRole(actor: Actor, minimum: Role): void {
  if (!hasRole(actor.role, minimum)) throw forbidden();
}
