import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withPlatform, workspacesOfUser } from "@/db/platform";
import { auditLog, invitations, users } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestMember, createTestUser, createTestWorkspace, ownerCtx } from "@/testing/db/factories";
import { authenticate } from "@/lib/auth/credentials";
import type { Actor } from "@/lib/domain/context";
import {
  acceptAsNewUserSchema,
  acceptInvitation,
  acceptInvitationAsNewUser,
  accountExists,
  createInvitation,
  findInvitation,
  invalidInvitationMessage,
  invitationLifetimeMs,
  inviteSchema,
  listPendingInvitations,
  parseInvitationCode,
  revokeInvitation,
  revokeInvitationSchema,
} from "./invitations";

let admin: Actor;
let workspace: { id: string; name: string; slug: string };

beforeAll(async () => {
  workspace = await createTestWorkspace("Inviters");
  admin = { tenantId: workspace.id, userId: (await createTestMember(workspace.id, "admin")).id, role: "admin" };
});

const invite = (email: string, role: "admin" | "agent" = "agent", now?: Date) =>
  withTenant(workspace.id, (tx) => createInvitation({ tx, actor: admin }, { email, role }, now));
const codeOf = (link: string) => new URL(link).pathname.split("/")[2]!;

it("makes a link that finds the invitation, while only a hash of its secret is stored", async () => {
  const { link, id } = await invite("new.person@example.test");
  expect(link).toMatch(/^http:\/\/localhost:3000\/invite\/[0-9a-f-]{36}\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
  const secret = codeOf(link).split(".")[2]!;
  const [row] = await withTenant(workspace.id, (tx) => tx.select().from(invitations).where(eq(invitations.id, id)));
  expect(JSON.stringify(row)).not.toContain(secret);
  expect(await findInvitation(codeOf(link))).toEqual({
    email: "new.person@example.test",
    role: "agent",
    expiresAt: row!.expiresAt,
    workspace: { name: workspace.name, slug: workspace.slug },
  });
  const tampered = codeOf(link).slice(0, -1) + (codeOf(link).endsWith("A") ? "B" : "A");
  expect(await findInvitation(tampered)).toBeNull();
  expect(await findInvitation("not-a-code")).toBeNull();
});

it("lets a new person create an account from the link exactly once", async () => {
  const { link } = await invite("first.timer@example.test");
  const joined = await acceptInvitationAsNewUser(codeOf(link), { name: "First Timer", password: "first-timer-pw" });
  expect(joined).toEqual({ slug: workspace.slug, email: "first.timer@example.test" });
  const [user] = await withPlatform((tx) => tx.select().from(users).where(eq(users.email, "first.timer@example.test")));
  expect(await withPlatform((tx) => workspacesOfUser(tx, user!.id))).toMatchObject([{ id: workspace.id, role: "agent" }]);
  expect(await authenticate({ email: "first.timer@example.test", password: "first-timer-pw", ip: "127.0.0.9" })).toMatchObject({ ok: true });

  await expect(acceptInvitationAsNewUser(codeOf(link), { name: "Again", password: "another-password" })).rejects.toThrow(invalidInvitationMessage);
  expect(await findInvitation(codeOf(link))).toBeNull();
});

it("lets an existing user with the invited email join, and nobody else", async () => {
  const existing = await createTestUser("Existing");
  const stranger = await createTestUser("Stranger");
  const { link } = await invite(existing.email, "admin");
  await expect(acceptInvitation(codeOf(link), stranger)).rejects.toMatchObject({ kind: "rejected" });
  expect(await withPlatform((tx) => workspacesOfUser(tx, stranger.id))).toEqual([]);
  expect(await acceptInvitation(codeOf(link), existing)).toEqual({ slug: workspace.slug });
  expect(await withPlatform((tx) => workspacesOfUser(tx, existing.id))).toMatchObject([{ id: workspace.id, role: "admin" }]);
});

it("refuses an expired or revoked link, and keeps no account made from it", async () => {
  const expired = await invite("late@example.test", "agent", new Date(Date.now() - invitationLifetimeMs - 1000));
  await expect(acceptInvitationAsNewUser(codeOf(expired.link), { name: "Late", password: "late-password" })).rejects.toThrow(invalidInvitationMessage);
  const revoked = await invite("revoked@example.test");
  await withTenant(workspace.id, (tx) => revokeInvitation({ tx, actor: admin }, { id: revoked.id }));
  await expect(acceptInvitationAsNewUser(codeOf(revoked.link), { name: "Rev", password: "revoked-password" })).rejects.toThrow(invalidInvitationMessage);
  const leftovers = await withPlatform((tx) => tx.select().from(users).where(eq(users.email, "revoked@example.test")));
  expect(leftovers).toEqual([]);
  const pending = await withTenant(workspace.id, (tx) => listPendingInvitations(ownerCtx(tx, workspace.id)));
  expect(pending.map((p) => p.email)).not.toContain("late@example.test");
  expect(pending.map((p) => p.email)).not.toContain("revoked@example.test");
});

it("refuses to invite a current member, and refuses agents", async () => {
  const member = await createTestMember(workspace.id, "agent");
  await expect(invite(member.email)).rejects.toMatchObject({ field: "email" });
  const agent: Actor = { tenantId: workspace.id, userId: member.id, role: "agent" };
  await expect(withTenant(workspace.id, (tx) => createInvitation({ tx, actor: agent }, { email: "x@example.test", role: "agent" }))).rejects.toMatchObject({ kind: "forbidden" });
});

it("cannot revoke another workspace's invitation", async () => {
  const other = await createTestWorkspace("Elsewhere");
  const otherAdmin: Actor = { tenantId: other.id, userId: (await createTestMember(other.id, "admin")).id, role: "admin" };
  const theirs = await withTenant(other.id, (tx) => createInvitation({ tx, actor: otherAdmin }, { email: "theirs@example.test", role: "agent" }));
  await expect(withTenant(workspace.id, (tx) => revokeInvitation({ tx, actor: admin }, { id: theirs.id }))).rejects.toMatchObject({ kind: "not_found" });
  expect(await findInvitation(codeOf(theirs.link))).not.toBeNull();
});

describe("an existing user accepting", () => {
  const membershipsOf = (user: { id: string }) => withPlatform((tx) => workspacesOfUser(tx, user.id));

  it("refuses a link with a wrong secret, and still accepts the genuine one", async () => {
    const existing = await createTestUser("Guesser");
    const { link } = await invite(existing.email);
    const [tenantId, invitationId] = codeOf(link).split(".");
    const forged = `${tenantId}.${invitationId}.${"A".repeat(43)}`;
    await expect(acceptInvitation(forged, existing)).rejects.toThrow(invalidInvitationMessage);
    expect(await membershipsOf(existing)).toEqual([]);
    expect(await acceptInvitation(codeOf(link), existing)).toEqual({ slug: workspace.slug });
  });

  it("refuses an expired link and joins nobody", async () => {
    const existing = await createTestUser("Latecomer");
    const { link } = await invite(existing.email, "agent", new Date("2026-01-01T00:00:00Z"));
    await expect(acceptInvitation(codeOf(link), existing, new Date("2026-01-08T00:00:01Z"))).rejects.toThrow(invalidInvitationMessage);
    expect(await membershipsOf(existing)).toEqual([]);
  });

  it("refuses a revoked link", async () => {
    const existing = await createTestUser("Revoked");
    const { link, id } = await invite(existing.email);
    await withTenant(workspace.id, (tx) => revokeInvitation({ tx, actor: admin }, { id }));
    await expect(acceptInvitation(codeOf(link), existing)).rejects.toThrow(invalidInvitationMessage);
    expect(await membershipsOf(existing)).toEqual([]);
  });
});

describe("lifetime: exactly 7 days", () => {
  const madeAt = new Date("2026-03-01T09:00:00Z");
  const justBefore = new Date("2026-03-08T08:59:00Z"); // 6 days 23 hours 59 minutes later
  const justAfter = new Date("2026-03-08T09:00:01Z"); // 7 days and 1 second later

  it("expires 7 days after it is made", async () => {
    const { expiresAt } = await invite("seven.days@example.test", "agent", madeAt);
    expect(expiresAt).toEqual(new Date("2026-03-08T09:00:00Z"));
  });

  it("is open to a new person at 6 days 23 hours 59 minutes, and closed at 7 days and 1 second", async () => {
    const { link } = await invite("new.in.time@example.test", "agent", madeAt);
    expect(await findInvitation(codeOf(link), justBefore)).toMatchObject({ email: "new.in.time@example.test" });
    expect(await findInvitation(codeOf(link), justAfter)).toBeNull();
    await expect(acceptInvitationAsNewUser(codeOf(link), { name: "Late", password: "late-password" }, justAfter)).rejects.toThrow(
      invalidInvitationMessage,
    );
    expect(await acceptInvitationAsNewUser(codeOf(link), { name: "On Time", password: "on-time-password" }, justBefore)).toEqual({
      slug: workspace.slug,
      email: "new.in.time@example.test",
    });
  });

  it("is open to an existing user at 6 days 23 hours 59 minutes, and closed at 7 days and 1 second", async () => {
    const existing = await createTestUser("Existing in time");
    const { link } = await invite(existing.email, "agent", madeAt);
    await expect(acceptInvitation(codeOf(link), existing, justAfter)).rejects.toThrow(invalidInvitationMessage);
    expect(await acceptInvitation(codeOf(link), existing, justBefore)).toEqual({ slug: workspace.slug });
  });

  it("is listed as pending until it expires, and not after", async () => {
    await invite("listed@example.test", "agent", madeAt);
    const listed = async (now: Date) => (await withTenant(workspace.id, (tx) => listPendingInvitations(ownerCtx(tx, workspace.id), { now }))).map((p) => p.email);
    expect(await listed(justBefore)).toContain("listed@example.test");
    expect(await listed(justAfter)).not.toContain("listed@example.test");
  });
});

describe("what the audit log records and what a person is told", () => {
  const auditOf = (target: string) =>
    withTenant(workspace.id, (tx) =>
      tx
        .select({ action: auditLog.action, actorUserId: auditLog.actorUserId, details: auditLog.details })
        .from(auditLog)
        .where(eq(auditLog.target, target))
        .orderBy(auditLog.createdAt),
    );

  it("records who invited whom as what, who joined as what, and who revoked which invitation", async () => {
    const user = await createTestUser("Audited Joiner");
    const { link } = await invite(user.email, "admin");
    await acceptInvitation(codeOf(link), user);
    expect(await auditOf(user.email)).toEqual([
      { action: "member.invited", actorUserId: admin.userId, details: { role: "admin" } },
      { action: "member.joined", actorUserId: user.id, details: { role: "admin" } },
    ]);

    const { id } = await invite("revoked.audit@example.test");
    await withTenant(workspace.id, (tx) => revokeInvitation({ tx, actor: admin }, { id }));
    expect(await auditOf("revoked.audit@example.test")).toEqual([
      { action: "member.invited", actorUserId: admin.userId, details: { role: "agent" } },
      { action: "invitation.revoked", actorUserId: admin.userId, details: null },
    ]);
  });

  it("says a person is already a member, or an invitation is gone, in words", async () => {
    const member = await createTestMember(workspace.id, "agent");
    await expect(invite(member.email)).rejects.toMatchObject({
      kind: "rejected",
      message: "This person is already a member of the workspace.",
      field: "email",
    });
    const { id } = await invite("twice.revoked@example.test");
    await withTenant(workspace.id, (tx) => revokeInvitation({ tx, actor: admin }, { id }));
    await expect(withTenant(workspace.id, (tx) => revokeInvitation({ tx, actor: admin }, { id }))).rejects.toMatchObject({
      kind: "not_found",
      message: "Invitation not found in this workspace.",
    });
  });

  it("refuses a link that is not one of ours with the invalid-link message, and joins nobody", async () => {
    const user = await createTestUser("Garbled Link");
    const message =
      "This invitation link is not valid any more: it may have been used, revoked or have expired. Ask an admin of the workspace for a new one.";
    await expect(acceptInvitation("not-a-code", user)).rejects.toMatchObject({ kind: "rejected", message });
    await expect(acceptInvitation("%E0%A4%A", user)).rejects.toMatchObject({ kind: "rejected", message });
    expect(await withPlatform((tx) => workspacesOfUser(tx, user.id))).toEqual([]);
  });

  it("tells a member accepting a second invitation to the same workspace that they are already in, and leaves it unused", async () => {
    const user = await createTestUser("Invited Twice");
    const first = await invite(user.email);
    const second = await invite(user.email, "admin");
    await acceptInvitation(codeOf(first.link), user);
    await expect(acceptInvitation(codeOf(second.link), user)).rejects.toMatchObject({
      kind: "rejected",
      message: "You are already a member of this workspace.",
    });
    expect(await withPlatform((tx) => workspacesOfUser(tx, user.id))).toMatchObject([{ id: workspace.id, role: "agent" }]);
    expect(await findInvitation(codeOf(second.link))).toMatchObject({ email: user.email, role: "admin" });
  });

  it("accepts only the roles an invitation can carry, an id that is a UUID, and a name and password", () => {
    expect(inviteSchema.safeParse({ email: "a@example.test", role: "admin" }).success).toBe(true);
    expect(inviteSchema.safeParse({ email: "a@example.test", role: "agent" }).success).toBe(true);
    const owner = inviteSchema.safeParse({ email: "a@example.test", role: "owner" });
    expect(owner.error?.issues.map((i) => i.message)).toEqual(["Choose a role."]);
    expect(revokeInvitationSchema.safeParse({ id: "not-a-uuid" }).success).toBe(false);
    expect(revokeInvitationSchema.safeParse({ id: "7d3f2c1e-0b4a-4c5d-8e6f-112233445566" }).success).toBe(true);
    expect(acceptAsNewUserSchema.safeParse({}).success).toBe(false);
  });

  it("reads a code only when its secret is exactly 43 URL-safe characters", () => {
    const ids = "7d3f2c1e-0b4a-4c5d-8e6f-112233445566.8e4f3d2f-1c5b-4d6e-9f70-223344556677";
    const secret = "A".repeat(43);
    expect(parseInvitationCode(`${ids}.${secret}`)).toMatchObject({ secret });
    expect(parseInvitationCode(`${ids}.${secret}A`)).toBeNull();
    expect(parseInvitationCode(`${ids}.!${secret}`)).toBeNull();
  });

  it("knows whether an account exists for an email", async () => {
    const user = await createTestUser("Has Account");
    expect(await accountExists(user.email)).toBe(true);
    expect(await accountExists("no.account@example.test")).toBe(false);
  });
});
