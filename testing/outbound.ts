import { randomBytes, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { businessNumbers, contacts, conversations, memberships, messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestNumber, createTestUser, createTestWorkspace } from "@/testing/db/factories";
import { encryptSecret } from "@/lib/crypto/secret-box";

/**
 * Test data for outbound tests: a workspace with an agent, a number (with a sealed token,
 * or none for sandbox), a customer, a conversation and the customer's last message.
 */
export async function outboundWorld(options: {
  phoneNumberId?: string;
  token?: string | null;
  lastInboundAt?: Date | null;
  customer?: { waId: string } | { userId: string };
} = {}) {
  const workspace = await createTestWorkspace("Outbound");
  const user = await createTestUser("Agent");
  const tenantId = workspace.id;
  const phoneNumberId = options.phoneNumberId ?? `11${randomBytes(6).readUIntBE(0, 6)}`.slice(0, 15);
  const created = await createTestNumber(tenantId, phoneNumberId);
  const token = options.token === undefined ? `EAAG-${randomBytes(12).toString("hex")}` : options.token;
  const lastInboundAt = options.lastInboundAt === undefined ? new Date(Date.now() - 60 * 60 * 1000) : options.lastInboundAt;
  return withTenant(tenantId, async (tx) => {
    await tx.insert(memberships).values({ tenantId, userId: user.id, role: "agent" });
    const [number] = await tx
      .update(businessNumbers)
      .set({ accessTokenEncrypted: token === null ? null : encryptSecret(token, created.id), accessTokenLast4: token?.slice(-4) ?? null })
      .where(eq(businessNumbers.id, created.id))
      .returning();
    const [contact] = await tx
      .insert(contacts)
      .values({ tenantId, ...(options.customer ?? { waId: "5215512345678" }), profileName: "Ana Ruiz" })
      .returning();
    const [conversation] = await tx
      .insert(conversations)
      .values({
        tenantId,
        businessNumberId: number!.id,
        contactId: contact!.id,
        lastInboundAt,
        lastMessageAt: lastInboundAt ?? new Date(Date.now() - 2 * 60 * 60 * 1000),
        unreadCount: 1,
      })
      .returning();
    const [inbound] = await tx
      .insert(messages)
      .values({
        tenantId,
        conversationId: conversation!.id,
        direction: "inbound",
        wamid: `wamid.IN.${randomUUID()}`,
        type: "text",
        text: "¿Envían hoy?",
        payload: { type: "text", text: { body: "¿Envían hoy?" } },
        sentAt: lastInboundAt ?? new Date(Date.now() - 2 * 60 * 60 * 1000),
      })
      .returning();
    return {
      tenantId,
      actor: { tenantId, userId: user.id, role: "agent" as const },
      token,
      number: number!,
      contact: contact!,
      conversation: conversation!,
      inbound: inbound!,
    };
  });
}

export type OutboundWorld = Awaited<ReturnType<typeof outboundWorld>>;
