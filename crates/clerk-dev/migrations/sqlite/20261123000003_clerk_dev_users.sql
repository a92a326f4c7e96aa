-- The development instance's users, email addresses and sessions, shaped
-- like Clerk's objects. Metadata is stored as JSON text; flags are 0/1.

CREATE TABLE clerk_dev_users (
    id                       TEXT PRIMARY KEY,
    first_name               TEXT,
    last_name                TEXT,
    username                 TEXT,
    password_hash            TEXT,          -- argon2id PHC string
    primary_email_address_id TEXT,
    public_metadata          TEXT NOT NULL DEFAULT '{}',
    private_metadata         TEXT NOT NULL DEFAULT '{}',
    unsafe_metadata          TEXT NOT NULL DEFAULT '{}',
    banned                   INTEGER NOT NULL DEFAULT 0,
    last_sign_in_at          BIGINT,
    last_active_at           BIGINT,
    created_at               BIGINT NOT NULL,
    updated_at               BIGINT NOT NULL
);

CREATE TABLE clerk_dev_email_addresses (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES clerk_dev_users (id) ON DELETE CASCADE,
    email_address TEXT NOT NULL UNIQUE,    -- stored lower-cased
    created_at    BIGINT NOT NULL
);

CREATE TABLE clerk_dev_sessions (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES clerk_dev_users (id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    status         TEXT NOT NULL,           -- active, ended, revoked
    last_active_at BIGINT NOT NULL,
    expire_at      BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE INDEX clerk_dev_sessions_user ON clerk_dev_sessions (user_id);
