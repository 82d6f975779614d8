-- message_templates is workspace-owned: force row-level security on it and grant DML to the tenant role.
SELECT switchboard_secure_tenant_tables();
