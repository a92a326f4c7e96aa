-- When a session's user last proved who they are with a first factor (their
-- password): at sign-in, and again at each reverification. Session tokens
-- carry the age in minutes as fva[0]; NULL (older rows) means "at sign-in".
ALTER TABLE clerk_dev_sessions ADD COLUMN factor_verified_at BIGINT;
