import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { contacts } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestWorkspace } from "@/testing/db/factories";
import { contactsHolding, resolveContacts, type Sender } from "./identity";

let tenantId: string;

beforeAll(async () => {
  tenantId = (await createTestWorkspace("Numbers")).id;
  // Customers' numbers are all digits and share most of their trigrams, as real ones do.
  await db().execute(sql`
    insert into contacts (tenant_id, wa_id, user_id)
    select ${tenantId}::uuid, '155500' || lpad(n::text, 5, '0'), 'US.' || n from generate_series(1, 3000) as n`);
});

class RolledBack extends Error {}

/**
 * The index conditions of the plan for the ingest's contact lookup, with the unique key on
 * (tenant_id, wa_id) out of the planner's reach (dropped in a transaction that is rolled back):
 * what else could answer it. Only the statement's shape matters here, not its values.
 */
async function indexConditionsWithoutTheUniqueKey(waIds: string[]): Promise<string[]> {
  let conditions: string[] = [];
  await db()
    .transaction(async (tx) => {
      await tx.execute(sql`alter table contacts drop constraint contacts_wa_id_key`);
      await tx.execute(sql`set local enable_seqscan = off`);
      const query = tx.select({ id: contacts.id }).from(contacts).where(contactsHolding(tenantId, waIds, [])).toSQL();
      const literal = (value: unknown) => (Array.isArray(value) ? `{${value.join(",")}}` : String(value));
      const written = query.sql.replace(/\$(\d+)/g, (_, n: string) => `'${literal(query.params[Number(n) - 1])}'`);
      const [plan] = await rowsOf<{ "QUERY PLAN": unknown }>(tx, sql`explain (format json) ${sql.raw(written)}`);
      conditions = [...JSON.stringify(plan!["QUERY PLAN"]).matchAll(/"Index Name":\s*"([^"]+)"/g)].map((m) => m[1]!);
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return conditions;
}

it("never lets the number search index answer the ingest's lookup of customers by number", async () => {
  // A trigram index answers equality too; on digits, whose few trigrams every number shares,
  // such a lookup reads most of the index: 2 s for 100 numbers in a bench (docs/PERFORMANCE.md, "After issue 15").
  const numbers = Array.from({ length: 100 }, (_, i) => `155500${String(i * 7 + 1).padStart(5, "0")}`);
  expect(await indexConditionsWithoutTheUniqueKey(numbers)).not.toContain("contacts_number_search_idx");
});

it("finds the same contacts whether a customer is named by number, by user id or by both", async () => {
  const found = (waIds: string[], userIds: string[]) =>
    withTenant(tenantId, async (tx) =>
      (await tx.select({ waId: contacts.waId }).from(contacts).where(contactsHolding(tenantId, waIds, userIds))).map((r) => r.waId).sort(),
    );
  expect(await found(["15550000007"], [])).toEqual(["15550000007"]);
  expect(await found([], ["US.7"])).toEqual(["15550000007"]);
  expect(await found(["15550000007"], ["US.7", "US.8"])).toEqual(["15550000007", "15550000008"]);
  expect(await found(["15559999999"], ["US.unknown"])).toEqual([]);
});

describe("one person seen through several messages", () => {
  const resolve = (senders: Sender[]) => withTenant(tenantId, (tx) => resolveContacts({ tx, tenantId }, senders));

  // Both orders of arrival: the database's and the batch's order must not decide.
  it.each(["older first", "newer first"])("keeps the older contact when one message shows two to be one person (stored %s)", async (order) => {
    const tag = order === "older first" ? "1" : "2";
    // The older contact's id sorts last, so only its age can make it the survivor.
    const older = { tenantId, id: `ffffffff-0000-4000-8000-00000000000${tag}`, createdAt: new Date("2020-01-01T00:00:00Z"), waId: `1555900000${tag}` };
    const newer = { tenantId, id: `00000000-0000-4000-8000-00000000000${tag}`, createdAt: new Date("2025-01-01T00:00:00Z"), userId: `US.joined.${tag}` };
    await withTenant(tenantId, (tx) => tx.insert(contacts).values(order === "older first" ? [older, newer] : [newer, older]));
    expect(await resolve([{ waId: older.waId, userId: newer.userId, at: new Date() }])).toEqual([older.id]);
    const left = await withTenant(tenantId, (tx) => tx.select().from(contacts).where(eq(contacts.waId, older.waId)));
    expect(left).toMatchObject([{ id: older.id, userId: newer.userId }]);
  });

  it.each(["oldest first", "newest first"])("takes the number the newest message came from when a batch holds one person on two numbers (%s)", async (order) => {
    const userId = `US.moving.${order}`;
    const sightings: Sender[] = [
      { waId: order === "oldest first" ? "15559000011" : "15559000021", userId, at: new Date("2026-11-01T10:00:00Z") },
      { waId: order === "oldest first" ? "15559000012" : "15559000022", userId, at: new Date("2026-11-01T11:00:00Z") },
    ];
    const [first] = await resolve(order === "oldest first" ? sightings : [...sightings].reverse());
    const [contact] = await withTenant(tenantId, (tx) => tx.select().from(contacts).where(eq(contacts.id, first!)));
    expect(contact).toMatchObject({ waId: sightings[1]!.waId, userId });
  });
});
