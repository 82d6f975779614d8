import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { db, type Tx } from "./client";
import { pgCodes, pgErrorCode } from "./errors";
import { contacts, conversations, messages } from "./schema";
import { withTenant } from "./tenant";
import { createTestWorkspace, seedEveryTenantTable } from "@/testing/db/factories";

type Row = Record<string, unknown>;

async function rows(tx: Tx, query: ReturnType<typeof sql>): Promise<Row[]> {
  const result = await tx.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}

async function tenantTables(tx: Tx): Promise<string[]> {
  const found = await rows(
    tx,
    sql`select c.relname as name
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
        where n.nspname = current_schema() and c.relkind in ('r', 'p')
        order by 1`,
  );
  return found.map((r) => String(r.name));
}

/** Column names of each constraint of one kind on a table. */
async function constraintColumns(tx: Tx, table: string, kind: "p" | "u" | "f") {
  const found = await rows(
    tx,
    sql`select con.conname as name,
               con.confrelid::regclass::text as references,
               array(select att.attname::text from unnest(con.conkey) k join pg_attribute att
                     on att.attrelid = con.conrelid and att.attnum = k) as columns
        from pg_constraint con
        where con.conrelid = ${table}::regclass and con.contype = ${kind}`,
  );
  return found.map((r) => ({ name: String(r.name), references: String(r.references), columns: r.columns as string[] }));
}

let a: string;
let b: string;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  await seedEveryTenantTable(a, "110000000000001");
  await seedEveryTenantTable(b, "220000000000001");
});

describe("row-level security", () => {
  it("shows workspace A only A's messages, conversations and contacts, even with no filter", async () => {
    await withTenant(a, async (tx) => {
      for (const table of [messages, conversations, contacts]) {
        const found = await tx.select({ tenantId: table.tenantId }).from(table);
        expect(found.length).toBeGreaterThan(0);
        expect(found.every((r) => r.tenantId === a)).toBe(true);
      }
    });
  });

  it("returns exactly the workspace's own rows from every workspace-owned table", async () => {
    const tables = await db().transaction((tx) => tenantTables(tx));
    for (const table of tables) {
      const [expected] = await db().transaction((tx) =>
        rows(tx, sql`select count(*)::int as n from ${sql.identifier(table)} where tenant_id = ${a}`),
      );
      const [seen] = await withTenant(a, (tx) =>
        rows(tx, sql`select count(*)::int as n, count(*) filter (where tenant_id <> ${a})::int as foreign_rows
                     from ${sql.identifier(table)}`),
      );
      expect({ table, n: seen!.n, foreign: seen!.foreign_rows }).toEqual({ table, n: expected!.n, foreign: 0 });
      expect(Number(expected!.n), `seedEveryTenantTable must put a row in ${table}`).toBeGreaterThan(0);
    }
  });

  it("refuses to write a row for another workspace", async () => {
    const error = await withTenant(a, (tx) => tx.insert(contacts).values({ tenantId: b, waId: "15550009999" })).catch(
      (e: unknown) => e,
    );
    expect(pgErrorCode(error)).toBe(pgCodes.insufficientPrivilege);
  });

  it("refuses to move a row into another workspace", async () => {
    const error = await withTenant(a, (tx) => tx.update(contacts).set({ tenantId: b })).catch((e: unknown) => e);
    expect(pgErrorCode(error)).toBe(pgCodes.insufficientPrivilege);
  });

  it("shows nothing to the tenant role when no workspace is set", async () => {
    const counts = await db().transaction(async (tx) => {
      await tx.execute(sql`select set_config('role', 'switchboard_tenant', true)`);
      const tables = await tenantTables(tx);
      return Promise.all(
        tables.map(async (t) => (await rows(tx, sql`select count(*)::int as n from ${sql.identifier(t)}`))[0]!.n),
      );
    });
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((n) => n === 0)).toBe(true);
  });

  it("keeps password hashes away from the tenant role", async () => {
    const error = await withTenant(a, (tx) => tx.execute(sql`select password_hash from users`)).catch((e: unknown) => e);
    expect(pgErrorCode(error)).toBe(pgCodes.insufficientPrivilege);
  });

  it("rejects a tenant id that is not a uuid before touching the database", async () => {
    await expect(withTenant("1 or 1=1", async () => "ran")).rejects.toThrow();
  });
});

describe("schema catalog", () => {
  it("forces row-level security with a tenant policy on every table that has tenant_id", async () => {
    await db().transaction(async (tx) => {
      const tables = await tenantTables(tx);
      expect(tables.length).toBeGreaterThanOrEqual(7);
      for (const table of tables) {
        const [flags] = await rows(
          tx,
          sql`select relrowsecurity as enabled, relforcerowsecurity as forced from pg_class where oid = ${table}::regclass`,
        );
        expect({ table, ...flags }).toEqual({ table, enabled: true, forced: true });
        const policies = await rows(
          tx,
          sql`select qual, with_check as check, roles::text as roles from pg_policies
              where schemaname = current_schema() and tablename = ${table}`,
        );
        expect(policies, `${table} needs its tenant_isolation policy`).toHaveLength(1);
        for (const clause of [policies[0]!.qual, policies[0]!.check]) {
          const normalized = String(clause).replace(/[()\s]/g, "");
          expect(normalized).toBe("tenant_id=NULLIFcurrent_setting'app.tenant_id'::text,true,''::text::uuid");
        }
      }
    });
  });

  it("leads every primary key, unique key and workspace-to-workspace foreign key with tenant_id", async () => {
    await db().transaction(async (tx) => {
      const tables = await tenantTables(tx);
      for (const table of tables) {
        const [pk] = await constraintColumns(tx, table, "p");
        expect(pk?.columns, `${table} primary key`).toContain("tenant_id");
        for (const uq of await constraintColumns(tx, table, "u")) {
          expect(uq.columns, `${table}.${uq.name}`).toContain("tenant_id");
        }
        for (const fk of await constraintColumns(tx, table, "f")) {
          if (tables.includes(fk.references)) {
            expect(fk.columns, `${table}.${fk.name}`).toContain("tenant_id");
          }
        }
      }
    });
  });
});
