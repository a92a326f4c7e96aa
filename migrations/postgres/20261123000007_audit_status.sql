-- An admin's role or plan change is written to the audit log before Clerk is
-- asked ('requested'), so a change Clerk accepts can never be missing from
-- the log, and a database that is down stops the change before Clerk sees it.
-- It becomes 'done' when the local copy has the new value (from the admin's
-- own request, or from Clerk's user.updated webhook if that request failed
-- after Clerk's write) and 'failed' when Clerk refused. Earlier entries and
-- session events are facts already: 'done'.
ALTER TABLE audit_log ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
-- The value a role.changed/plan.changed entry sets ('admin', 'pro', ...).
ALTER TABLE audit_log ADD COLUMN new_value TEXT;
