-- Every table with a tenant_id column: row-level security FORCED (so the table owner is
-- subject to it too) and DML granted to the tenant role. A function, so that a later
-- migration adding a workspace-owned table ends with `SELECT switchboard_secure_tenant_tables();`.
CREATE OR REPLACE FUNCTION switchboard_secure_tenant_tables() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t regclass;
BEGIN
  FOR t IN
    SELECT c.oid::regclass
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  LOOP
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO switchboard_tenant', t);
  END LOOP;
END
$$;
--> statement-breakpoint
SELECT switchboard_secure_tenant_tables();
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO switchboard_tenant;
--> statement-breakpoint
-- Platform tables the tenant role may read, column by column: names for the inbox, never
-- password hashes. Routing and deliveries stay with the platform connection.
GRANT SELECT (id, email, name) ON users TO switchboard_tenant;
--> statement-breakpoint
GRANT SELECT (id, name, slug) ON workspaces TO switchboard_tenant;
