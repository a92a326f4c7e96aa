-- Webhook deliveries already applied, by svix-id: a redelivery is answered
-- 200 and changes nothing. Written in the same transaction as the change the
-- event made, so a failed apply leaves no receipt and the retry applies it.
CREATE TABLE webhook_receipts (
    svix_id     TEXT PRIMARY KEY NOT NULL,
    event_type  TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Who did what to whom, and when: role and plan changes made by admins, and
-- the session events Clerk reports. Ids only; names are looked up when listed.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id   TEXT,              -- the admin (or the user, for session events)
    subject_id TEXT NOT NULL,     -- the user acted upon
    action     TEXT NOT NULL,     -- role.changed, plan.changed, session.created, ...
    detail     TEXT NOT NULL,     -- "member -> admin", a session id, ...
    created_at BIGINT NOT NULL    -- unix milliseconds
);

CREATE INDEX audit_log_newest ON audit_log (created_at DESC, id DESC);
