import { and, eq, inArray, sql } from "drizzle-orm";
import { contacts, conversationMerges, conversations, messages } from "@/db/schema";
import type { TenantTx } from "@/db/transactions";
import { lockName, lockNames } from "@/lib/domain/locks";
import { notifyWorkspace, type WorkspaceEvent } from "@/lib/realtime/events";

export type ContactsCtx = { tx: TenantTx; tenantId: string };

export type MergeContactsInput = { survivorId: string; mergedId: string };

export type MergeResult = {
  /** The merged-away conversations and the conversation each now leads to. */
  redirected: Array<{ mergedId: string; survivorId: string }>;
  /** Conversations that changed hands or absorbed another. */
  touched: string[];
};

/**
 * Two contacts turned out to be one person: `mergedId` is folded into `survivorId`, in the
 * caller's transaction. Conversations move to the survivor; where both had one with the
 * same business number, the merged one's messages move into the survivor's, unread counts
 * add up, times take the later of the two, and the merged conversation's id keeps leading
 * to the survivor's (conversation_merges). The survivor keeps its identifiers and takes the
 * merged contact's where it has none; the newer profile name wins; the business's own name
 * for the contact is kept, the survivor's first.
 *
 * Locks both contacts' identities first (lib/domain/locks.ts), as the webhook's appliers do,
 * so no message for either is being stored meanwhile. Merging a contact into itself, or one
 * already merged away, does nothing.
 */
export async function mergeContacts(ctx: ContactsCtx, input: MergeContactsInput): Promise<MergeResult> {
  const { tx, tenantId } = ctx;
  const { survivorId, mergedId } = input;
  const nothing: MergeResult = { redirected: [], touched: [] };
  if (survivorId === mergedId) return nothing;

  const pair = () =>
    tx
      .select({ id: contacts.id, waId: contacts.waId, userId: contacts.userId })
      .from(contacts)
      .where(and(eq(contacts.tenantId, tenantId), inArray(contacts.id, [survivorId, mergedId])));
  const before = await pair();
  await lockNames(tx, tenantId, before.flatMap(identityLocks));
  // Read again under the locks: the identities may have moved before they were taken.
  const both = await pair();
  if (both.length !== 2) return nothing;
  const unlocked = both.flatMap(identityLocks).filter((name) => !before.flatMap(identityLocks).includes(name));
  if (unlocked.length > 0) await lockNames(tx, tenantId, unlocked);

  const mine = and(eq(conversations.tenantId, tenantId), eq(conversations.contactId, mergedId));
  const theirs = tx
    .select({ id: conversations.id, businessNumberId: conversations.businessNumberId })
    .from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.contactId, survivorId)));
  const [ours, survivors] = await Promise.all([
    tx.select({ id: conversations.id, businessNumberId: conversations.businessNumberId }).from(conversations).where(mine),
    theirs,
  ]);
  const survivorByNumber = new Map(survivors.map((c) => [c.businessNumberId, c.id]));
  const redirected = ours.flatMap((c) => {
    const into = survivorByNumber.get(c.businessNumberId);
    return into ? [{ mergedId: c.id, survivorId: into }] : [];
  });
  const moved = ours.filter((c) => !survivorByNumber.has(c.businessNumberId)).map((c) => c.id);

  if (redirected.length > 0) {
    const pairs = sql`(select (p->>'mergedId')::uuid as merged_id, (p->>'survivorId')::uuid as survivor_id
      from jsonb_array_elements(${JSON.stringify(redirected)}::jsonb) as p)`;
    await tx.execute(sql`
      update ${messages} set conversation_id = pairs.survivor_id
      from ${pairs} as pairs
      where ${messages.tenantId} = ${tenantId} and ${messages.conversationId} = pairs.merged_id`);
    await tx.execute(sql`
      update ${conversations} as s set
        unread_count = s.unread_count + m.unread_count,
        last_message_at = greatest(s.last_message_at, m.last_message_at),
        last_inbound_at = greatest(s.last_inbound_at, m.last_inbound_at),
        status = case when s.status = 'open' or m.status = 'open' then 'open'::conversation_status else s.status end,
        assignee_user_id = coalesce(s.assignee_user_id, m.assignee_user_id),
        created_at = least(s.created_at, m.created_at)
      from ${pairs} as pairs, ${conversations} as m
      where s.tenant_id = ${tenantId} and s.id = pairs.survivor_id and m.tenant_id = ${tenantId} and m.id = pairs.merged_id`);
    // Links that led to a conversation now merged away lead on to its survivor: one hop, always.
    await tx.execute(sql`
      update ${conversationMerges} set survivor_id = pairs.survivor_id
      from ${pairs} as pairs
      where ${conversationMerges.tenantId} = ${tenantId} and ${conversationMerges.survivorId} = pairs.merged_id`);
    await tx.insert(conversationMerges).values(redirected.map((r) => ({ tenantId, ...r })));
    await tx.delete(conversations).where(
      and(
        eq(conversations.tenantId, tenantId),
        inArray(
          conversations.id,
          redirected.map((r) => r.mergedId),
        ),
      ),
    );
  }
  if (moved.length > 0) await tx.update(conversations).set({ contactId: survivorId }).where(mine);

  const [gone] = await tx
    .delete(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, mergedId)))
    .returning();
  await tx
    .update(contacts)
    .set({
      waId: sql`coalesce(${contacts.waId}, ${gone!.waId})`,
      userId: sql`coalesce(${contacts.userId}, ${gone!.userId})`,
      businessName: sql`coalesce(${contacts.businessName}, ${gone!.businessName})`,
      ...newerName(gone!),
    })
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, survivorId)));

  const touched = [...new Set([...redirected.map((r) => r.survivorId), ...moved])];
  const events: WorkspaceEvent[] = [...touched, ...redirected.map((r) => r.mergedId)].map((conversationId) => ({
    tenantId,
    type: "conversation.updated",
    conversationId,
  }));
  const [first, ...rest] = events;
  if (first) await notifyWorkspace(tx, first, ...rest);
  return { redirected, touched };
}

/** The merged contact's profile name, where it is newer than the survivor's (an undated name loses to any). */
function newerName(gone: { profileName: string | null; profileNameAt: Date | null }) {
  if (gone.profileName === null) return {};
  const at = gone.profileNameAt ? sql`${gone.profileNameAt.toISOString()}::timestamptz` : sql`'-infinity'::timestamptz`;
  const newer = sql`coalesce(${contacts.profileNameAt}, '-infinity'::timestamptz) < ${at} or ${contacts.profileName} is null`;
  return {
    profileName: sql`case when ${newer} then ${gone.profileName} else ${contacts.profileName} end`,
    profileNameAt: sql`case when ${newer} then ${gone.profileNameAt?.toISOString() ?? null}::timestamptz else ${contacts.profileNameAt} end`,
  };
}

function identityLocks(contact: { waId: string | null; userId: string | null }): string[] {
  return [contact.waId && lockName.phone(contact.waId), contact.userId && lockName.user(contact.userId)].filter((n): n is string => !!n);
}

/** The conversation a merged-away conversation's id leads to, or null for an id never merged away. */
export async function survivorOf(tx: TenantTx, tenantId: string, conversationId: string): Promise<string | null> {
  const [merged] = await tx
    .select({ survivorId: conversationMerges.survivorId })
    .from(conversationMerges)
    .where(and(eq(conversationMerges.tenantId, tenantId), eq(conversationMerges.mergedId, conversationId)));
  return merged?.survivorId ?? null;
}
