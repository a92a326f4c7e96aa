-- The local development instance's identity (never used in production):
-- its Backend API secret key, webhook signing secret and RSA signing key.
-- One row; generated on first start, kept so sessions survive restarts.
CREATE TABLE clerk_dev_instance (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    secret_key      TEXT NOT NULL,
    webhook_secret  TEXT NOT NULL,
    signing_kid     TEXT NOT NULL,
    signing_key_pem TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
