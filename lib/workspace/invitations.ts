import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import type { PlatformTx } from "@/db/transactions";
import { withPlatform } from "@/db/platform";
import { invitations, memberships, users, workspaces } from "@/db/schema";
import { enterTenant, withTenant } from "@/db/tenant";
import { emailSchema } from "@/lib/auth/credentials";
import { hashPassword, newPasswordSchema } from "@/lib/auth/password";
import { insertUser, personNameSchema } from "@/lib/workspace/signup";
import { env } from "@/lib/config/env";
import { notFound, rejected } from "@/lib/domain/errors";
import type { TenantCtx } from "@/lib/domain/context";
import { requireVerifiedEmail } from "@/lib/account/verification";
import { log } from "@/lib/log";
import { invitationMail } from "@/lib/mail/messages";
import { sendMail } from "@/lib/mail/transport";
import { requireRole } from "./access";
import { recordAudit } from "./audit";

/**
 * Invitations: a single-use link, valid 7 days, mailed to the person invited and shown once
 * to the admin who made it (to pass on by hand if the mail goes astray). The link is `/invite/<workspace id>.<invitation id>.<secret>`: the
 * ids let the accept page find the row in its workspace, and only a SHA-256 of the secret
 * is stored, so a database leak yields no usable link.
 */
export const invitationLifetimeMs = 7 * 24 * 60 * 60 * 1000;

export const inviteSchema = z.object({ email: emailSchema, role: z.enum(["admin", "agent"], "Choose a role.") });
export const revokeInvitationSchema = z.object({ id: z.uuid() });
export const acceptAsNewUserSchema = z.object({ name: personNameSchema, password: newPasswordSchema });

export type InvitationView = { id: string; email: string; role: "admin" | "agent"; expiresAt: Date; createdAt: Date };

const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

type InvitationCode = { tenantId: string; invitationId: string; secret: string };

const codeSchema = z.tuple([z.uuid(), z.uuid(), z.string().regex(/^[A-Za-z0-9_-]{43}$/)]);

function decoded(code: string): string | null {
  try {
    return decodeURIComponent(code);
  } catch {
    return null; // Malformed percent-encoding: not a link we made.
  }
}

export function parseInvitationCode(code: string): InvitationCode | null {
  const parsed = codeSchema.safeParse(decoded(code)?.split("."));
  if (!parsed.success) return null;
  const [tenantId, invitationId, secret] = parsed.data;
  return { tenantId, invitationId, secret };
}

export function invitationLink(code: InvitationCode): string {
  return new URL(`/invite/${code.tenantId}.${code.invitationId}.${code.secret}`, env().APP_URL).toString();
}

export async function listPendingInvitations({ tx }: TenantCtx, input: { now?: Date } = {}): Promise<InvitationView[]> {
  const now = input.now ?? new Date();
  return tx
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt })
    .from(invitations)
    .where(and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now)))
    .orderBy(desc(invitations.createdAt));
}

/** Creates an invitation and returns its link, which exists nowhere else afterwards. Tenant transaction. */
export async function createInvitation({ tx, actor }: TenantCtx, input: z.infer<typeof inviteSchema>, now = new Date()) {
  requireRole(actor, "admin");
  await requireVerifiedEmail(tx, actor.userId);
  const [member] = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(users.email, input.email));
  if (member) throw rejected("This person is already a member of the workspace.", "email");
  const secret = randomBytes(32).toString("base64url");
  const [invitation] = await tx
    .insert(invitations)
    .values({
      tenantId: actor.tenantId,
      email: input.email,
      role: input.role,
      tokenHash: hashSecret(secret),
      invitedByUserId: actor.userId,
      expiresAt: new Date(now.getTime() + invitationLifetimeMs),
    })
    .returning({ id: invitations.id, expiresAt: invitations.expiresAt });
  await recordAudit(tx, {
    tenantId: actor.tenantId,
    actorUserId: actor.userId,
    action: "member.invited",
    target: input.email,
    details: { role: input.role },
  });
  return { ...invitation!, link: invitationLink({ tenantId: actor.tenantId, invitationId: invitation!.id, secret }) };
}

/**
 * Mails the invitation once the transaction that made it has committed. Whether it went out
 * is the answer: the admin is told, and can pass the link on by hand.
 */
export async function mailInvitation(
  invitation: { email: string; role: "admin" | "agent"; link: string },
  from: { workspaceName: string; inviterName: string },
): Promise<boolean> {
  try {
    await sendMail(invitationMail(invitation.email, { link: invitation.link, role: invitation.role, ...from }));
    return true;
  } catch (error) {
    log.error("mail_failed", { kind: "invitation", error });
    return false;
  }
}

export async function revokeInvitation({ tx, actor }: TenantCtx, input: { id: string }): Promise<void> {
  requireRole(actor, "admin");
  const [revoked] = await tx
    .update(invitations)
    .set({ revokedAt: new Date() })
    .where(and(eq(invitations.id, input.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
    .returning({ email: invitations.email });
  if (!revoked) throw notFound("Invitation");
  await recordAudit(tx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: "invitation.revoked", target: revoked.email });
}

export type OpenInvitation = {
  email: string;
  role: "admin" | "agent";
  expiresAt: Date;
  workspace: { name: string; slug: string };
};

const pending = (code: InvitationCode, now: Date) =>
  and(
    eq(invitations.id, code.invitationId),
    eq(invitations.tokenHash, hashSecret(code.secret)),
    isNull(invitations.acceptedAt),
    isNull(invitations.revokedAt),
    gt(invitations.expiresAt, now),
  );

/** The invitation behind a link, if the link is genuine, unused, not revoked and not expired. */
export async function findInvitation(rawCode: string, now = new Date()): Promise<OpenInvitation | null> {
  const code = parseInvitationCode(rawCode);
  if (!code) return null;
  return withTenant(code.tenantId, async (tx) => {
    const [found] = await tx
      .select({
        email: invitations.email,
        role: invitations.role,
        expiresAt: invitations.expiresAt,
        tokenHash: invitations.tokenHash,
        name: workspaces.name,
        slug: workspaces.slug,
      })
      .from(invitations)
      .innerJoin(workspaces, eq(workspaces.id, invitations.tenantId))
      .where(and(eq(invitations.id, code.invitationId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now)));
    if (!found || !timingSafeEqual(Buffer.from(found.tokenHash), Buffer.from(hashSecret(code.secret)))) return null;
    return { email: found.email, role: found.role, expiresAt: found.expiresAt, workspace: { name: found.name, slug: found.slug } };
  });
}

export const invalidInvitationMessage =
  "This invitation link is not valid any more: it may have been used, revoked or have expired. Ask an admin of the workspace for a new one.";

/**
 * Uses up the invitation and adds the user as a member, on an open platform transaction
 * that this turns into the workspace's. The UPDATE … WHERE unused is what makes the link
 * single-use: of two concurrent accepts, one finds nothing to update.
 */
async function redeem(tx: PlatformTx, code: InvitationCode, user: { id: string; email: string }, now: Date) {
  const tenantTx = await enterTenant(tx, code.tenantId);
  const [invitation] = await tenantTx
    .update(invitations)
    .set({ acceptedAt: now, acceptedByUserId: user.id })
    .where(and(pending(code, now), eq(invitations.email, user.email)))
    .returning({ role: invitations.role });
  if (!invitation) throw rejected(invalidInvitationMessage);
  const [joined] = await tenantTx
    .insert(memberships)
    .values({ tenantId: code.tenantId, userId: user.id, role: invitation.role })
    .onConflictDoNothing()
    .returning({ userId: memberships.userId });
  if (!joined) throw rejected("You are already a member of this workspace.");
  await recordAudit(tenantTx, {
    tenantId: code.tenantId,
    actorUserId: user.id,
    action: "member.joined",
    target: user.email,
    details: { role: invitation.role },
  });
  const [workspace] = await tenantTx.select({ slug: workspaces.slug }).from(workspaces).where(eq(workspaces.id, code.tenantId));
  return { slug: workspace!.slug };
}

/** A signed-in user accepts an invitation made out to their email. */
export async function acceptInvitation(rawCode: string, user: { id: string; email: string }, now = new Date()) {
  const code = parseInvitationCode(rawCode);
  if (!code) throw rejected(invalidInvitationMessage);
  return withPlatform((tx) => redeem(tx, code, user, now));
}

/** Someone without an account accepts: the account, the membership and the used invitation commit together. */
export async function acceptInvitationAsNewUser(
  rawCode: string,
  input: z.infer<typeof acceptAsNewUserSchema>,
  now = new Date(),
) {
  const invitation = await findInvitation(rawCode, now);
  const code = parseInvitationCode(rawCode);
  if (!invitation || !code) throw rejected(invalidInvitationMessage);
  const passwordHash = await hashPassword(input.password);
  return withPlatform(async (tx) => {
    const user = await insertUser(tx, { name: input.name, email: invitation.email, passwordHash });
    return { ...(await redeem(tx, code, user, now)), email: user.email };
  });
}

/** Whether an account exists for the invited email, so the accept page can ask to sign in instead. */
export async function accountExists(email: string): Promise<boolean> {
  const [found] = await withPlatform((tx) => tx.select({ id: users.id }).from(users).where(eq(users.email, email)));
  return Boolean(found);
}
