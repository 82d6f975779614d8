import { and, desc, eq, lt } from "drizzle-orm";
import { z } from "zod";
import type { PlatformTx, TenantTx } from "@/db/transactions";
import type { TenantCtx } from "@/lib/domain/context";
import { auditLog, users } from "@/db/schema";

/** Everything the audit log records. Details never hold tokens, passwords or message text. */
export const auditActions = {
  "workspace.created": "created the workspace",
  "workspace.renamed": "renamed the workspace",
  "number.added": "added a WhatsApp number",
  "number.updated": "changed a WhatsApp number",
  "number.removed": "removed a WhatsApp number",
  "number.moved_away": "lost a WhatsApp number: another workspace proved its WhatsApp Business Account",
  "number.moved_in": "took over a WhatsApp number with its WhatsApp Business Account",
  "number.verified": "Meta confirmed a WhatsApp number again",
  "number.verification_lost": "stopped receiving a WhatsApp number Meta no longer confirms",
  "member.invited": "invited a member",
  "invitation.revoked": "revoked an invitation",
  "member.joined": "joined the workspace",
  "member.role_changed": "changed a member's role",
  "member.removed": "removed a member",
  "ownership.transferred": "transferred ownership",
} as const;

export type AuditAction = keyof typeof auditActions;

/**
 * Appends to a workspace's audit log: normally on its tenant transaction; on the platform
 * connection only where a platform change (a WABA moving) must be noted in the log of the
 * workspace that lost it.
 */
export async function recordAudit(
  tx: TenantTx | PlatformTx,
  entry: { tenantId: string; actorUserId: string | null; action: AuditAction; target?: string; details?: Record<string, unknown> },
): Promise<void> {
  await tx.insert(auditLog).values({ ...entry, target: entry.target ?? null, details: entry.details ?? null });
}

export type AuditRow = {
  id: string;
  action: string;
  description: string;
  target: string | null;
  details: Record<string, unknown> | null;
  createdAt: Date;
  actor: { name: string; email: string } | null;
};

export const auditPageSize = 50;

/**
 * The audit page's `?before=` as its "Older" link writes it (an ISO instant in UTC), or
 * undefined for anything else, which shows the first page. Year 0 and years past 9999 are
 * valid JavaScript dates that Postgres refuses.
 */
export function auditBefore(value: unknown): Date | undefined {
  const parsed = z.iso.datetime().safeParse(value);
  if (!parsed.success) return undefined;
  const date = new Date(parsed.data);
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date : undefined;
}

/** Newest first; `before` continues from the last row of the previous page. */
export async function listAudit({ tx }: TenantCtx, options: { before?: Date; limit?: number } = {}): Promise<AuditRow[]> {
  const rows = await tx
    .select({
      id: auditLog.id,
      action: auditLog.action,
      target: auditLog.target,
      details: auditLog.details,
      createdAt: auditLog.createdAt,
      actorName: users.name,
      actorEmail: users.email,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(options.before ? lt(auditLog.createdAt, options.before) : undefined))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(options.limit ?? auditPageSize);
  return rows.map((r) => ({
    id: r.id,
    action: r.action,
    description: auditActions[r.action as AuditAction] ?? r.action,
    target: r.target,
    details: r.details as Record<string, unknown> | null,
    createdAt: r.createdAt,
    actor: r.actorEmail ? { name: r.actorName ?? "", email: r.actorEmail } : null,
  }));
}
