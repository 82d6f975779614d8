-- Search at scale (docs/PERFORMANCE.md, "Inbox at scale"). Two things only showed with many
-- workspaces on one server:
--
-- 1. The trigram indexes held every workspace's text in one index, so a search collected
--    the candidates of all workspaces and discarded the others' after reading each row and
--    folding its text again ("licuadora" in the 1M-message workspace of 5M: 2,498 rows read
--    to keep 500). Leading each with tenant_id (btree_gin) makes the index answer for one
--    workspace: the cost follows the workspace's own matches, not the server's.
-- 2. PL/pgSQL caches a generic plan after five calls. For `tenant_id = $1` it assumes an
--    average workspace (5,000 messages) and ANDed the trigram index with the tenant's
--    primary-key range: 1M index entries read for the big workspace, 50-80 ms per call.
--    A custom plan, made for the actual tenant and pattern at each call, reads the trigram
--    index alone. CREATE OR REPLACE of these functions must repeat the setting.
CREATE EXTENSION IF NOT EXISTS btree_gin;
--> statement-breakpoint
DROP INDEX IF EXISTS messages_search_idx;
--> statement-breakpoint
CREATE INDEX messages_search_idx ON messages
  USING gin (tenant_id, switchboard_fold(text) gin_trgm_ops) WHERE type <> 'reaction';
--> statement-breakpoint
DROP INDEX IF EXISTS contacts_name_search_idx;
--> statement-breakpoint
CREATE INDEX contacts_name_search_idx ON contacts USING gin (tenant_id, switchboard_fold(profile_name) gin_trgm_ops);
--> statement-breakpoint
DROP INDEX IF EXISTS contacts_number_search_idx;
--> statement-breakpoint
CREATE INDEX contacts_number_search_idx ON contacts USING gin (tenant_id, wa_id gin_trgm_ops);
--> statement-breakpoint
ALTER FUNCTION switchboard_search_messages(text, integer) SET plan_cache_mode = force_custom_plan;
--> statement-breakpoint
ALTER FUNCTION switchboard_search_contacts(text, text, integer) SET plan_cache_mode = force_custom_plan;
