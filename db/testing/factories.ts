import { randomBytes } from "node:crypto";
import { withPlatform } from "../platform";
import {
  auditLog,
  businessNumbers,
  contacts,
  conversations,
  invitations,
  memberships,
  messageStatuses,
  messages,
  phoneNumberRoutes,
  users,
  workspaces,
} from "../schema";
import { withTenant } from "../tenant";

const suffix = () => randomBytes(4).toString("hex");

export async function createTestWorkspace(name = "Workspace") {
  const [workspace] = await withPlatform((tx) =>
    tx.insert(workspaces).values({ name, slug: `${name.toLowerCase().replace(/\W+/g, "-")}-${suffix()}` }).returning(),
  );
  return workspace!;
}

export async function createTestUser(name = "Test User") {
  const [user] = await withPlatform((tx) =>
    tx
      .insert(users)
      .values({ name, email: `user-${suffix()}@example.test`, passwordHash: "not-a-real-hash" })
      .returning(),
  );
  return user!;
}

/** A user who is a member of the workspace with this role. */
export async function createTestMember(tenantId: string, role: "owner" | "admin" | "agent", name = `${role} user`) {
  const user = await createTestUser(name);
  await withTenant(tenantId, (tx) => tx.insert(memberships).values({ tenantId, userId: user.id, role }));
  return user;
}

/** A business number owned by the workspace, routed platform-wide. */
export async function createTestNumber(tenantId: string, phoneNumberId: string, label = "Main line") {
  await withPlatform((tx) => tx.insert(phoneNumberRoutes).values({ phoneNumberId, workspaceId: tenantId }));
  const [number] = await withTenant(tenantId, (tx) =>
    tx
      .insert(businessNumbers)
      .values({ tenantId, phoneNumberId, displayNumber: `+${phoneNumberId}`, wabaId: "1044", label })
      .returning(),
  );
  return number!;
}

/**
 * One row in every workspace-owned table for this workspace. The tenancy test checks
 * that it covers every table with a tenant_id, so extend it when you add one.
 */
export async function seedEveryTenantTable(tenantId: string, phoneNumberId: string) {
  const user = await createTestUser();
  const number = await createTestNumber(tenantId, phoneNumberId);
  return withTenant(tenantId, async (tx) => {
    await tx.insert(memberships).values({ tenantId, userId: user.id, role: "owner" });
    const [contact] = await tx.insert(contacts).values({ tenantId, waId: `1555${suffix()}`, profileName: "Ana" }).returning();
    const [conversation] = await tx
      .insert(conversations)
      .values({ tenantId, businessNumberId: number.id, contactId: contact!.id })
      .returning();
    const wamid = `wamid.${suffix()}`;
    const [message] = await tx
      .insert(messages)
      .values({
        tenantId,
        conversationId: conversation!.id,
        direction: "inbound",
        wamid,
        type: "text",
        text: "hola",
        payload: { type: "text" },
        sentAt: new Date(),
      })
      .returning();
    await tx.insert(messageStatuses).values({ tenantId, wamid, status: "read", occurredAt: new Date(), payload: {} });
    await tx.insert(auditLog).values({ tenantId, actorUserId: user.id, action: "test.seeded" });
    await tx.insert(invitations).values({
      tenantId,
      email: `invitee-${suffix()}@example.test`,
      role: "agent",
      tokenHash: "0".repeat(64),
      invitedByUserId: user.id,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    return { user, number, contact: contact!, conversation: conversation!, message: message! };
  });
}
