-- The app's organization feature (Settings::organization_feature), written
-- at every start: its key, its permissions in the bit order tokens encode
-- them, and those `org:member` holds (`org:admin` holds all), the lists
-- comma-separated. NULL: roles grant no custom permissions.
ALTER TABLE clerk_dev_instance ADD COLUMN org_feature TEXT;
ALTER TABLE clerk_dev_instance ADD COLUMN org_permissions TEXT;
ALTER TABLE clerk_dev_instance ADD COLUMN org_member_permissions TEXT;
