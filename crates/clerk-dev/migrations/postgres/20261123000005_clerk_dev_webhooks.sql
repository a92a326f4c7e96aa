-- Development instance: the webhook outbox (written in the same transaction
-- as the change it reports) and every delivery attempt.

CREATE TABLE clerk_dev_webhook_events (
    seq             BIGSERIAL PRIMARY KEY,              -- delivery order
    id              TEXT NOT NULL UNIQUE,               -- svix-id (msg_...)
    event_type      TEXT NOT NULL,
    subject_id      TEXT NOT NULL,                      -- the user: per-user order
    payload         TEXT NOT NULL,                      -- the exact body sent
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT
);

CREATE INDEX clerk_dev_webhook_events_pending ON clerk_dev_webhook_events (delivered_at, subject_id, seq);

CREATE TABLE clerk_dev_webhook_attempts (
    event_id     TEXT NOT NULL,
    attempted_at BIGINT NOT NULL,
    status       INTEGER,            -- HTTP status, NULL when no answer
    error        TEXT
);

CREATE INDEX clerk_dev_webhook_attempts_event ON clerk_dev_webhook_attempts (event_id);
