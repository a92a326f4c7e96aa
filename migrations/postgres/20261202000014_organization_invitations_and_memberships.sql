-- The development instance's invitations to its organizations: pending
-- until the invited address accepts (through its ticket, or from the
-- account's invitation list) or an admin revokes it. The ticket is the
-- invitation link's credential; the instance's console is the mailbox.
CREATE TABLE clerk_dev_org_invitations (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES clerk_dev_organizations (id) ON DELETE CASCADE,
    email_address   TEXT NOT NULL,
    role            TEXT NOT NULL,
    status          TEXT NOT NULL,
    ticket          TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- One pending invitation per address and organization.
CREATE UNIQUE INDEX clerk_dev_org_invitations_pending
    ON clerk_dev_org_invitations (organization_id, email_address)
    WHERE status = 'pending';
CREATE INDEX clerk_dev_org_invitations_email ON clerk_dev_org_invitations (email_address);

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
