-- The admin list reads live users newest first, a page at a time: this
-- index serves it without sorting the whole table.
CREATE INDEX users_live_newest ON users (created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- Searching users by a fragment of email or name (LIKE '%…%') uses trigram
-- indexes on exactly the expressions the query matches, instead of reading
-- every row. pg_trgm is a trusted extension (PostgreSQL 13+): the database
-- owner may create it. It goes in `public` whatever this connection's
-- search_path is, and its operator class is named there, so databases
-- whose tables live in other schemas share the one extension.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX users_email_trgm ON users
    USING gin (LOWER(COALESCE(email, '')) public.gin_trgm_ops);
CREATE INDEX users_name_trgm ON users
    USING gin (LOWER(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')) public.gin_trgm_ops);
