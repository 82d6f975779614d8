-- The non-privileged role tenant work switches to (SET LOCAL ROLE inside withTenant).
-- Roles are cluster-wide: several databases on one server (tests, CI) share it, and may
-- migrate at the same moment, so creation tolerates a concurrent twin.
DO $$
BEGIN
  CREATE ROLE switchboard_tenant NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
-- On a managed Postgres the app user is not a superuser: it must be a member to SET ROLE.
DO $$
BEGIN
  EXECUTE format('GRANT switchboard_tenant TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
  NULL;
END
$$;
