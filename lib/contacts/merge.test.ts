import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "@/db/rows";
import { contacts, conversations } from "@/db/schema";
import { enterTenant, withTenant } from "@/db/tenant";
import { lockName, lockNames } from "@/lib/domain/locks";
import { createTestConversation, createTestMessage, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { interleaved, onPostgres } from "@/testing/db/interleaved";
import { workspaceData } from "@/testing/webhook";
import { mergeContacts, survivorOf } from "./merge";

/**
 * The one merge (lib/contacts/merge.ts), called as the inbox's manual merge will call it:
 * what it changes, what it tells the live inbox, and what it refuses to touch.
 */

let a: string;
let b: string;
let support: string;
let sales: string;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  support = (await createTestNumber(a, "110000000000031", "Support")).id;
  sales = (await createTestNumber(a, "110000000000032", "Sales")).id;
});

const merge = (tenantId: string, survivorId: string, mergedId: string) =>
  withTenant(tenantId, (tx) => mergeContacts({ tx, tenantId }, { survivorId, mergedId }));

/** The live inbox's events (outbox rows) about these conversations, as [type, conversation] pairs. */
function eventsAbout(tenantId: string, conversationIds: string[]) {
  return withTenant(tenantId, (tx) =>
    rowsOf<{ type: string; conversationId: string }>(
      tx,
      sql`select type, conversation_id::text as "conversationId" from outbox_events where conversation_id in ${conversationIds}`,
    ),
  );
}

describe("merging two contacts", () => {
  it("tells the live inbox once about each conversation it changed: the one that absorbed another, the one that moved, the one merged away", async () => {
    const survivor = await createTestConversation(a, { numberId: support, name: "Lena" });
    const onSupport = await createTestConversation(a, { numberId: support, name: "Lena M" });
    const onSales = await withTenant(a, async (tx) => {
      const [row] = await tx.insert(conversations).values({ tenantId: a, businessNumberId: sales, contactId: onSupport.contact.id }).returning();
      return row!;
    });
    await createTestMessage(a, onSupport.conversation.id, { direction: "inbound", text: "hola desde el otro" });

    const result = await merge(a, survivor.contact.id, onSupport.contact.id);

    expect(result).toEqual({
      redirected: [{ mergedId: onSupport.conversation.id, survivorId: survivor.conversation.id }],
      touched: expect.arrayContaining([survivor.conversation.id, onSales.id]) as unknown as string[],
    });
    expect(result.touched).toHaveLength(2);
    const events = await eventsAbout(a, [survivor.conversation.id, onSupport.conversation.id, onSales.id]);
    expect(events.map((e) => [e.type, e.conversationId]).sort()).toEqual(
      [survivor.conversation.id, onSupport.conversation.id, onSales.id].map((id) => ["conversation.updated", id]).sort(),
    );
    // What moved: the sales conversation to the survivor, the support messages into the survivor's.
    const data = await workspaceData(a);
    expect(data.conversations.find((c) => c.id === onSales.id)?.contactId).toBe(survivor.contact.id);
    expect(data.messages.find((m) => m.text === "hola desde el otro")?.conversationId).toBe(survivor.conversation.id);
    expect(await withTenant(a, (tx) => survivorOf(tx, a, onSupport.conversation.id))).toBe(survivor.conversation.id);
  });

  it("answers null for a conversation that was never merged away", async () => {
    const { conversation } = await createTestConversation(a, { numberId: support, name: "Never merged" });
    expect(await withTenant(a, (tx) => survivorOf(tx, a, conversation.id))).toBeNull();
  });

  it("changes nothing and tells nobody when asked to merge a contact into itself", async () => {
    const { contact, conversation } = await createTestConversation(a, { numberId: support, name: "Solo" });
    expect(await merge(a, contact.id, contact.id)).toEqual({ redirected: [], touched: [] });
    const [still] = await withTenant(a, (tx) => tx.select().from(contacts).where(eq(contacts.id, contact.id)));
    expect(still).toEqual(contact);
    expect(await eventsAbout(a, [conversation.id])).toEqual([]);
  });

  it("leaves both alone when the other contact's id is another workspace's, from either side", async () => {
    const ours = await createTestConversation(a, { numberId: support, name: "Ours" });
    const bNumber = (await createTestNumber(b, "220000000000031")).id;
    const theirs = await createTestConversation(b, { numberId: bNumber, name: "Theirs" });
    expect(await merge(a, ours.contact.id, theirs.contact.id)).toEqual({ redirected: [], touched: [] });
    expect(await merge(a, theirs.contact.id, ours.contact.id)).toEqual({ redirected: [], touched: [] });
    expect((await workspaceData(a)).contacts.find((c) => c.id === ours.contact.id)).toEqual(ours.contact);
    expect((await workspaceData(b)).contacts).toEqual([theirs.contact]);
    expect(await eventsAbout(a, [ours.conversation.id])).toEqual([]);
  });

  it("merges a contact who has no conversation yet, and tells nobody", async () => {
    const survivor = await createTestConversation(a, { numberId: support, name: "Has one" });
    const [bare] = await withTenant(a, (tx) => tx.insert(contacts).values({ tenantId: a, userId: "US.bare", profileName: "No chats" }).returning());
    expect(await merge(a, survivor.contact.id, bare!.id)).toEqual({ redirected: [], touched: [] });
    const after = (await workspaceData(a)).contacts.find((c) => c.id === survivor.contact.id);
    expect(after).toMatchObject({ waId: survivor.contact.waId, userId: "US.bare" });
    expect(await eventsAbout(a, [survivor.conversation.id])).toEqual([]);
  });

  // The appliers hold a customer's identity locks while they store a message (lib/contacts/identity.ts).
  it.runIf(onPostgres).each([
    ["user id", (c: { userId: string | null }) => lockName.user(c.userId!)],
    ["phone number", (c: { waId: string | null }) => lockName.phone(c.waId!)],
  ] as const)("waits while a message for the merged contact's %s is being stored, then merges", async (_, lockOf) => {
    const survivor = await createTestConversation(a, { numberId: support, name: "Wait" });
    const merged = await createTestConversation(a, { numberId: sales, name: "Wait too", userId: `US.wait-${survivor.contact.id}` });
    const first = await interleaved(
      async (tx) => lockNames(await enterTenant(tx, a), a, [lockOf(merged.contact)]),
      () => merge(a, survivor.contact.id, merged.contact.id),
    );
    expect(first).toBe("waiting");
    expect((await workspaceData(a)).contacts.find((c) => c.id === merged.contact.id)).toBeUndefined();
  });
});
