-- Development instance: browsers (clients, identified by the HttpOnly
-- __client cookie, whose secret is stored hashed) and failed sign-ins
-- (for the temporary lockout).

CREATE TABLE clerk_dev_clients (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,             -- hex SHA-256 of the cookie secret
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE clerk_dev_sign_in_failures (
    email     TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);

CREATE INDEX clerk_dev_sign_in_failures_email ON clerk_dev_sign_in_failures (email, failed_at);
