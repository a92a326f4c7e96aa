-- Email addresses a user added and has not verified yet (UserProfile's
-- "Add email address" before its code): they sign no one in, receive no
-- invitation and are no one's primary address until verified. Every
-- address stored before was verified.
ALTER TABLE clerk_dev_email_addresses ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
