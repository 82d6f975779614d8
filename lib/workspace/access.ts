import { hasRole } from "@/lib/auth/roles";
import type { Actor, Role } from "@/lib/domain/context";
import { forbidden } from "@/lib/domain/errors";

/** The domain's own role check, behind the edge's: a call from anywhere else is refused too. */
export function requireRole(actor: Actor, minimum: Role): void {
  if (!hasRole(actor.role, minimum)) throw forbidden();
}
