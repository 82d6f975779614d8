-- Inbox search: case- and accent-insensitive substring matching on message text, contact
-- names and contact numbers, served by trigram indexes.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
-- unaccent() is only STABLE (its dictionary could change), so indexes need this IMMUTABLE
-- wrapper; the dictionary is named by schema so the result never depends on search_path.
CREATE OR REPLACE FUNCTION switchboard_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(public.unaccent('public.unaccent'::regdictionary, value));
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS messages_search_idx ON messages
  USING gin (switchboard_fold(text) gin_trgm_ops) WHERE type <> 'reaction';
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS contacts_name_search_idx ON contacts USING gin (switchboard_fold(profile_name) gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS contacts_number_search_idx ON contacts USING gin (wa_id gin_trgm_ops);
--> statement-breakpoint
-- Why functions, and why SECURITY DEFINER: under row-level security Postgres refuses to use
-- a non-leakproof operator (LIKE is one) as an index condition, so a trigram index is never
-- used by the tenant role and search would read every message of the workspace. These run
-- as the migrating user (superuser or BYPASSRLS, as the platform connection already must
-- be), confine themselves to the tenant withTenant set for this transaction (no tenant: no
-- rows), and return ids only: callers join those ids back under row-level security, so the
-- data itself is still read as the tenant. The search term is a bound value, folded and
-- LIKE-escaped here, never spliced into SQL.
CREATE OR REPLACE FUNCTION switchboard_search_pattern(term text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '%' || replace(replace(replace(switchboard_fold(term), '\', '\\'), '%', '\%'), '_', '\_') || '%';
--> statement-breakpoint
CREATE OR REPLACE FUNCTION switchboard_search_messages(term text, max_rows integer)
RETURNS TABLE (id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  -- EXECUTE … USING plans with the actual pattern, so the planner can weigh the trigram
  -- index against walking recent messages by its estimate of how common the term is.
  RETURN QUERY EXECUTE
    'SELECT m.id FROM public.messages m
      WHERE m.tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid
        AND m.type <> ''reaction''
        AND public.switchboard_fold(m.text) LIKE public.switchboard_search_pattern($1)
      ORDER BY m.sent_at DESC, m.id DESC
      LIMIT $2'
    USING term, max_rows;
END
$$;
--> statement-breakpoint
-- Conversations whose contact's name contains the term, or whose number contains `digits`
-- (null or empty: names only), most recently active first.
CREATE OR REPLACE FUNCTION switchboard_search_contacts(term text, digits text, max_rows integer)
RETURNS TABLE (id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE
    'SELECT v.id FROM public.conversations v
       JOIN public.contacts c ON c.tenant_id = v.tenant_id AND c.id = v.contact_id
      WHERE v.tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid
        AND c.tenant_id = v.tenant_id
        AND (public.switchboard_fold(c.profile_name) LIKE public.switchboard_search_pattern($1)
             OR ($2 ~ ''^[0-9]+$'' AND c.wa_id LIKE ''%'' || $2 || ''%''))
      ORDER BY v.last_message_at DESC, v.id DESC
      LIMIT $3'
    USING term, coalesce(digits, ''), max_rows;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION switchboard_search_messages(text, integer) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION switchboard_search_contacts(text, text, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION switchboard_search_messages(text, integer) TO switchboard_tenant;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION switchboard_search_contacts(text, text, integer) TO switchboard_tenant;
