-- Where each development session was started (the browser's User-Agent and
-- address), which Clerk's account panel lists under "Active devices".
ALTER TABLE clerk_dev_sessions ADD COLUMN user_agent TEXT;
ALTER TABLE clerk_dev_sessions ADD COLUMN ip_address TEXT;
