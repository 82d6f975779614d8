-- invitations is workspace-owned: force row-level security and grant the tenant role DML.
SELECT switchboard_secure_tenant_tables();
