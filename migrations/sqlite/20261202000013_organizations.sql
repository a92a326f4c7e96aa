-- The local copy of Clerk's organizations, kept by its organization.*
-- webhooks: moving forward in event time only, and a deletion is a
-- tombstone (its posts are gone, and no stale token writes there again).
CREATE TABLE organizations (
    id            TEXT PRIMARY KEY,
    name          TEXT,
    slug          TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    deleted_at    BIGINT,
    last_event_at BIGINT
);
