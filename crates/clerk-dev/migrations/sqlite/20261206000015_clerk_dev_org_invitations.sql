-- Until this crate had migrations of its own, this table was made by the
-- app's migration 20261202000014 together with one of the app's tables;
-- databases made then have it already, hence IF NOT EXISTS.
-- The development instance's invitations to its organizations: pending
-- until the invited address accepts (through its ticket, or from the
-- account's invitation list) or an admin revokes it. The ticket is the
-- invitation link's credential; the instance's console is the mailbox.
CREATE TABLE IF NOT EXISTS clerk_dev_org_invitations (
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
CREATE UNIQUE INDEX IF NOT EXISTS clerk_dev_org_invitations_pending
    ON clerk_dev_org_invitations (organization_id, email_address)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS clerk_dev_org_invitations_email ON clerk_dev_org_invitations (email_address);
