import { randomBytes } from "node:crypto";
import { withPlatform } from "../platform";
import {
  auditLog,
  businessNumbers,
  contacts,
  conversations,
  memberships,
  messageStatuses,
  messageTemplates,
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
    await tx.insert(messageTemplates).values({
      tenantId,
      wabaId: number.wabaId,
      metaTemplateId: `88${suffix()}`,
      name: "order_update",
      language: "es_MX",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Tu pedido {{1}} va en camino." }],
      syncedAt: new Date(),
    });
    return { user, number, contact: contact!, conversation: conversation!, message: message! };
  });
}
