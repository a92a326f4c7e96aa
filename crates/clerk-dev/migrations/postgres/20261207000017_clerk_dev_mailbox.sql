-- The development instance's mailbox: every message it would have emailed
-- (verification codes, invitation links), kept here instead of sent, for
-- the console to show. Nothing leaves the machine. Only the newest
-- messages are kept (the instance prunes older ones as it writes).
CREATE TABLE clerk_dev_mailbox (
    id            TEXT PRIMARY KEY,
    to_address    TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    code          TEXT,
    link          TEXT,
    created_at    BIGINT NOT NULL
);

CREATE INDEX clerk_dev_mailbox_created ON clerk_dev_mailbox (created_at);
