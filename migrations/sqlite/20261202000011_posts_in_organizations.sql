-- A post belongs to its author's personal space (NULL) or to the Clerk
-- organization that was active in the author's session when it was written.
-- An organization's list reads its posts newest first through this index.
ALTER TABLE posts ADD COLUMN org_id TEXT;
CREATE INDEX posts_org_newest ON posts (org_id, created_at DESC, id DESC) WHERE org_id IS NOT NULL;
