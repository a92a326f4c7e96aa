-- The app's copy of Clerk's organization memberships, kept by the
-- organizationMembership.* webhooks in event order. A removal is a
-- tombstone (deleted_at) that a later event may lift: people rejoin.
CREATE TABLE organization_memberships (
    organization_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    role            TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT,
    last_event_at   BIGINT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);

CREATE INDEX organization_memberships_user ON organization_memberships (user_id);
