import { and, eq, sql } from "drizzle-orm";
import type { TenantTx } from "@/db/transactions";
import { contacts } from "@/db/schema";

/** What `user_preferences` says about marketing templates, as Meta's reference lists it. */
export type MarketingPreference = "stop" | "resume";

export function marketingPreferenceOf(value: string): MarketingPreference | null {
  const lower = value.toLowerCase();
  return lower === "stop" || lower === "resume" ? lower : null;
}

/**
 * Records the customer's marketing choice on the contact when it is newer than the one we
 * hold (Meta does not order deliveries: a `resume` sent after a `stop` may arrive first).
 * The same event again is not newer and changes nothing. Returns whether it changed.
 */
export async function recordMarketingPreference(
  tx: TenantTx,
  input: { tenantId: string; contactId: string; preference: MarketingPreference; at: Date },
): Promise<boolean> {
  const rows = await tx
    .update(contacts)
    .set({ marketingPreference: input.preference, marketingPreferenceAt: input.at })
    .where(
      and(
        eq(contacts.tenantId, input.tenantId),
        eq(contacts.id, input.contactId),
        sql`(${contacts.marketingPreferenceAt} is null or ${contacts.marketingPreferenceAt} < ${input.at.toISOString()}::timestamptz)`,
      ),
    )
    .returning({ id: contacts.id });
  return rows.length > 0;
}

/** The marketing opt-out the inbox shows and the template picker warns about; null when none is in force. */
export function marketingOptOut(contact: { marketingPreference: string | null; marketingPreferenceAt: Date | null }): { since: Date } | null {
  return contact.marketingPreference === "stop" && contact.marketingPreferenceAt ? { since: contact.marketingPreferenceAt } : null;
}
