-- The admin list reads live users newest first, a page at a time: this
-- index serves it without sorting the whole table.
CREATE INDEX users_live_newest ON users (created_at DESC, id DESC) WHERE deleted_at IS NULL;
