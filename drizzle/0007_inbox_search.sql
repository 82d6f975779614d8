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
-- The newest messages containing the term. Postgres cannot tell which of two plans is
-- cheap: its estimate for LIKE '%word%' through a trigram index is off by orders of
-- magnitude (289 rows expected, 112,500 found for "pedido" in 1M messages), and the wrong
-- plan costs seconds. So the function decides by looking: a term common enough to fill the
-- page from the workspace's newest 2,000 messages is answered from those (walking
-- messages_recent_idx: a window holding `max_rows` matches holds the newest overall); any
-- other term is looked up in the trigram index, where it has few matches (under 1% of
-- messages, if it is as rare overall as it is lately) to collect and sort.
CREATE OR REPLACE FUNCTION switchboard_search_messages(term text, max_rows integer)
RETURNS TABLE (id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  pattern text := public.switchboard_search_pattern(term);
  hits uuid[];
BEGIN
  IF tenant IS NULL OR pattern IS NULL OR max_rows IS NULL OR max_rows < 1 THEN
    RETURN;
  END IF;
  SELECT array_agg(w.id ORDER BY w.sent_at DESC, w.id DESC) INTO hits
    FROM (SELECT r.id, r.sent_at
            FROM (SELECT m.id, m.sent_at, m.text FROM public.messages m
                   WHERE m.tenant_id = tenant AND m.type <> 'reaction'
                   ORDER BY m.sent_at DESC NULLS LAST, m.id DESC NULLS LAST
                   LIMIT 2000) r
           WHERE public.switchboard_fold(r.text) LIKE pattern
           ORDER BY r.sent_at DESC NULLS LAST, r.id DESC NULLS LAST
           LIMIT max_rows) w;
  IF coalesce(cardinality(hits), 0) >= max_rows THEN
    RETURN QUERY SELECT unnest(hits);
    RETURN;
  END IF;
  -- MATERIALIZED keeps ORDER BY … LIMIT from steering the planner back to the walk.
  RETURN QUERY
    WITH matches AS MATERIALIZED (
      SELECT m.id, m.sent_at FROM public.messages m
       WHERE m.tenant_id = tenant AND m.type <> 'reaction'
         AND public.switchboard_fold(m.text) LIKE pattern)
    SELECT matches.id FROM matches
     ORDER BY matches.sent_at DESC, matches.id DESC
     LIMIT max_rows;
END
$$;
--> statement-breakpoint
-- Conversations whose contact's name contains the term, or whose number contains `digits`
-- (null or empty: names only), most recently active first; decided the same way, from the
-- 2,000 most recently active conversations (conversations_activity_idx) first.
CREATE OR REPLACE FUNCTION switchboard_search_contacts(term text, digits text, max_rows integer)
RETURNS TABLE (id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  pattern text := public.switchboard_search_pattern(term);
  number_pattern text := CASE WHEN digits ~ '^[0-9]{3,}$' THEN '%' || digits || '%' END;
  hits uuid[];
BEGIN
  IF tenant IS NULL OR pattern IS NULL OR max_rows IS NULL OR max_rows < 1 THEN
    RETURN;
  END IF;
  SELECT array_agg(w.id ORDER BY w.last_message_at DESC, w.id DESC) INTO hits
    FROM (SELECT v.id, v.last_message_at
            FROM (SELECT c.id, c.last_message_at, c.contact_id FROM public.conversations c
                   WHERE c.tenant_id = tenant
                   ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC NULLS LAST
                   LIMIT 2000) v
            JOIN public.contacts p ON p.tenant_id = tenant AND p.id = v.contact_id
           WHERE public.switchboard_fold(p.profile_name) LIKE pattern
              OR p.wa_id LIKE number_pattern
           ORDER BY v.last_message_at DESC NULLS LAST, v.id DESC NULLS LAST
           LIMIT max_rows) w;
  IF coalesce(cardinality(hits), 0) >= max_rows THEN
    RETURN QUERY SELECT unnest(hits);
    RETURN;
  END IF;
  -- Two statements, so that a names-only search never asks the number index for '%%'.
  IF number_pattern IS NULL THEN
    RETURN QUERY
      WITH matches AS MATERIALIZED (
        SELECT c.id, c.last_message_at FROM public.contacts p
          JOIN public.conversations c ON c.tenant_id = tenant AND c.contact_id = p.id
         WHERE p.tenant_id = tenant AND public.switchboard_fold(p.profile_name) LIKE pattern)
      SELECT matches.id FROM matches ORDER BY matches.last_message_at DESC, matches.id DESC LIMIT max_rows;
  ELSE
    RETURN QUERY
      WITH matches AS MATERIALIZED (
        SELECT c.id, c.last_message_at FROM public.contacts p
          JOIN public.conversations c ON c.tenant_id = tenant AND c.contact_id = p.id
         WHERE p.tenant_id = tenant
           AND (public.switchboard_fold(p.profile_name) LIKE pattern OR p.wa_id LIKE number_pattern))
      SELECT matches.id FROM matches ORDER BY matches.last_message_at DESC, matches.id DESC LIMIT max_rows;
  END IF;
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
