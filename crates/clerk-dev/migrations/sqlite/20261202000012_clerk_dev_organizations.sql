-- The development instance's organizations and their memberships (role
-- `org:admin`, `org:member`, …), and each session's active organization,
-- which its session tokens carry as the `o` claim.
CREATE TABLE clerk_dev_organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE clerk_dev_memberships (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES clerk_dev_organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES clerk_dev_users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (organization_id, user_id)
);

CREATE INDEX clerk_dev_memberships_user ON clerk_dev_memberships (user_id);

ALTER TABLE clerk_dev_sessions ADD COLUMN active_organization_id TEXT;
