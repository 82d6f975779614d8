import { and, eq, inArray, sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { contacts } from "@/db/schema";

export type SenderIdentity = {
  /** The customer's WhatsApp number; absent for username-only users. */
  waId?: string;
  /** Meta's business-scoped user id. */
  userId?: string;
  profileName?: string;
};

/**
 * The contact for a sender, created on first sight, its profile name refreshed. Keyed by
 * wa_id when there is one, else by user_id; one statement with ON CONFLICT, so senders
 * arriving at the same moment end up as one row. A user_id already held by another contact
 * (the customer wrote before from a username-only account) is not copied onto this one: the
 * unique key would refuse it, and merging two contacts is a person's decision.
 */
export async function upsertSender(tx: TenantTx, tenantId: string, sender: SenderIdentity): Promise<string> {
  const profileName = sender.profileName ?? null;
  const refreshName = sql`coalesce(excluded.profile_name, ${contacts.profileName})`;
  if (sender.waId) {
    const userId = sender.userId
      ? sql`case when exists (select 1 from ${contacts} where ${contacts.tenantId} = ${tenantId} and ${contacts.userId} = ${sender.userId}) then null else ${sender.userId}::text end`
      : null;
    const [row] = await tx
      .insert(contacts)
      .values({ tenantId, waId: sender.waId, userId, profileName })
      .onConflictDoUpdate({
        target: [contacts.tenantId, contacts.waId],
        set: { profileName: refreshName, userId: sql`coalesce(${contacts.userId}, excluded.user_id)` },
      })
      .returning({ id: contacts.id });
    return row!.id;
  }
  if (sender.userId) {
    const [row] = await tx
      .insert(contacts)
      .values({ tenantId, userId: sender.userId, profileName })
      .onConflictDoUpdate({ target: [contacts.tenantId, contacts.userId], set: { profileName: refreshName } })
      .returning({ id: contacts.id });
    return row!.id;
  }
  throw new Error("a sender needs a wa_id or a user_id");
}

/**
 * For "customer changed number": the contact under the old number, or already under the new
 * one (Meta does not order deliveries, and this message may be seen again after the change).
 */
export async function contactChangingNumber(tx: TenantTx, tenantId: string, oldWaId: string, newWaId: string): Promise<string> {
  const [found] = await tx
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), inArray(contacts.waId, [oldWaId, newWaId])))
    .orderBy(sql`${contacts.waId} = ${oldWaId} desc`)
    .limit(1);
  return found?.id ?? upsertSender(tx, tenantId, { waId: newWaId });
}

/** Moves the contact to its new number, unless another contact already has that number. */
export async function changeContactNumber(tx: TenantTx, tenantId: string, contactId: string, newWaId: string): Promise<void> {
  await tx
    .update(contacts)
    .set({ waId: newWaId })
    .where(
      and(
        eq(contacts.tenantId, tenantId),
        eq(contacts.id, contactId),
        sql`not exists (select 1 from ${contacts} other where other.tenant_id = ${tenantId} and other.wa_id = ${newWaId})`,
      ),
    );
}
