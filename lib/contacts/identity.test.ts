import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { db } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { contacts } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestWorkspace } from "@/testing/db/factories";
import { contactsHolding } from "./identity";

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
