//! What the embedding app tells the instance about itself, as a Clerk
//! instance's dashboard holds it: the application's name, where its auth
//! pages are, the public-metadata fields its console edits, and the demo
//! accounts and organizations seeded into a new instance.
//!
//! Nothing here is a secret: the demo passwords are development passwords
//! shown on the console, and the instance never runs in production.

use serde::Serialize;

/// The instance's configuration. `Settings::default()` is a blank app
/// ("My app", Clerk's default paths, no seeds, no metadata fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The application's name, shown by Clerk's widgets and the console.
    pub app_name: String,
    /// The app's sign-in/up pages and where to go after them.
    pub paths: AppPaths,
    /// Public-metadata fields the console lets a developer set per user
    /// (say `role`: `member`/`admin`); the next session token carries them
    /// when the app's session-token template includes public metadata.
    pub metadata_fields: Vec<MetadataField>,
    /// Accounts made when the instance is created.
    pub demo_users: Vec<DemoUser>,
    /// Organizations made when the instance is created (after the users).
    pub demo_organizations: Vec<DemoOrganization>,
    /// What organization roles grant beyond Clerk's system permissions:
    /// one feature of the app's (as a Clerk instance's "Roles &
    /// Permissions" page defines it), or none.
    pub organization_feature: Option<OrganizationFeature>,
    /// Whether a sign-up must verify its email address with a code before
    /// the account exists (Clerk's default for email + password: on). The
    /// codes land in the instance's mailbox, shown by its console.
    pub verify_email_at_sign_up: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            app_name: "My app".into(),
            paths: AppPaths::default(),
            metadata_fields: Vec::new(),
            demo_users: Vec::new(),
            demo_organizations: Vec::new(),
            organization_feature: None,
            verify_email_at_sign_up: true,
        }
    }
}

/// Keys the console's user rows already use for their own fields.
const RESERVED_KEYS: [&str; 5] = ["id", "email", "first_name", "last_name", "sessions"];

impl Settings {
    /// Refuses settings the instance could not serve faithfully: a
    /// metadata field without choices, two fields with one key, or a key
    /// the console's user rows already use (`id`, `email`, `first_name`,
    /// `last_name`, `sessions`); an organization feature with more
    /// permissions than a token's bitmask holds (64), or granting members
    /// a permission it does not have.
    pub fn check(&self) -> Result<(), String> {
        if let Some(feature) = &self.organization_feature {
            if feature.key.is_empty() || feature.permissions.len() > 64 {
                return Err(format!(
                    "organization feature {:?} needs a key and at most 64 permissions",
                    feature.key
                ));
            }
            if let Some(p) = feature
                .member_permissions
                .iter()
                .find(|p| !feature.permissions.contains(p))
            {
                return Err(format!(
                    "members are granted {p:?}, which feature {:?} does not have",
                    feature.key
                ));
            }
        }
        for (i, field) in self.metadata_fields.iter().enumerate() {
            if field.choices.is_empty() {
                return Err(format!("metadata field {:?} offers no choices", field.key));
            }
            if RESERVED_KEYS.contains(&field.key.as_str()) {
                return Err(format!(
                    "metadata field key {:?} is reserved by the console",
                    field.key
                ));
            }
            if self.metadata_fields[..i].iter().any(|f| f.key == field.key) {
                return Err(format!("metadata field {:?} is listed twice", field.key));
            }
        }
        Ok(())
    }
}

/// Where the app's auth pages are, and where users go after them (the
/// instance's environment serves them to clerk-js, as Clerk's "Paths").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    /// The app's sign-in page (`/sign-in`).
    pub sign_in_url: String,
    /// The app's sign-up page (`/sign-up`).
    pub sign_up_url: String,
    /// Where a sign-in ends when nothing else was asked for (`/`).
    pub after_sign_in_url: String,
    /// Where a sign-up ends when nothing else was asked for (`/`).
    pub after_sign_up_url: String,
}

impl Default for AppPaths {
    fn default() -> Self {
        AppPaths {
            sign_in_url: "/sign-in".into(),
            sign_up_url: "/sign-up".into(),
            after_sign_in_url: "/".into(),
            after_sign_up_url: "/".into(),
        }
    }
}

/// One public-metadata key the console edits, and the values it offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataField {
    /// The key in `public_metadata` (`role`).
    pub key: String,
    /// Its column heading (`Role`).
    pub label: String,
    /// The values the console offers; the first is what a user without
    /// the key is shown as having. The console refuses any other value.
    pub choices: Vec<String>,
}

impl MetadataField {
    /// A field offering `choices`, labelled `label`.
    pub fn new(key: &str, label: &str, choices: &[&str]) -> Self {
        MetadataField {
            key: key.into(),
            label: label.into(),
            choices: choices.iter().map(|c| (*c).to_owned()).collect(),
        }
    }
}

/// An account seeded into a new instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    /// Its email address (its identifier).
    pub email: String,
    /// Its development password, shown on the console.
    pub password: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Its public metadata, as `(key, value)` pairs (say `role`, `admin`).
    pub public_metadata: Vec<(String, String)>,
}

/// An organization seeded into a new instance: created by its first
/// admin, with the other members added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrganization {
    /// Its name (`Acme`).
    pub name: String,
    /// Its slug (`acme`).
    pub slug: String,
    /// Members by email, with their roles (`org:admin`, `org:member`); the
    /// first `org:admin` creates it. Emails not among the demo users are
    /// skipped.
    pub members: Vec<(String, String)>,
}

/// An organization feature and its permissions: `org:admin` holds every
/// one, `org:member` those listed for it. Tokens carry them in Clerk's v2
/// encoding (`fea: "o:posts"`, `o.per`, `o.fpm`); the membership object
/// lists them as `org:posts:read` and so on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationFeature {
    /// The feature's key (`posts`).
    pub key: String,
    /// Its permissions, in the bit order tokens encode them (`read`,
    /// `create`, `manage`).
    pub permissions: Vec<String>,
    /// Those `org:member` holds (`read`, `create`).
    pub member_permissions: Vec<String>,
}

impl OrganizationFeature {
    /// A feature `key` with `permissions`, of which members hold `member`.
    pub fn new(key: &str, permissions: &[&str], member: &[&str]) -> Self {
        let owned = |list: &[&str]| list.iter().map(|p| (*p).to_owned()).collect();
        OrganizationFeature {
            key: key.into(),
            permissions: owned(permissions),
            member_permissions: owned(member),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_the_console_cannot_show_are_refused() {
        let with = |fields: Vec<MetadataField>| Settings {
            metadata_fields: fields,
            ..Settings::default()
        };
        assert!(with(vec![MetadataField::new(
            "role",
            "Role",
            &["member", "admin"]
        )])
        .check()
        .is_ok());
        assert!(with(vec![MetadataField::new("email", "Email", &["x"])])
            .check()
            .is_err());
        assert!(with(vec![MetadataField::new("tier", "Tier", &[])])
            .check()
            .is_err());
        let tier = MetadataField::new("tier", "Tier", &["basic"]);
        assert!(with(vec![tier.clone(), tier]).check().is_err());
    }

    #[test]
    fn features_a_token_cannot_encode_are_refused() {
        let with = |feature: OrganizationFeature| Settings {
            organization_feature: Some(feature),
            ..Settings::default()
        };
        let posts = OrganizationFeature::new("posts", &["read", "create"], &["read"]);
        assert!(with(posts).check().is_ok());
        let stray = OrganizationFeature::new("posts", &["read"], &["manage"]);
        assert!(with(stray).check().is_err());
        let names: Vec<String> = (0..65).map(|i| format!("p{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert!(with(OrganizationFeature::new("big", &names, &[]))
            .check()
            .is_err());
        assert!(with(OrganizationFeature::new("big", &names[..64], &[]))
            .check()
            .is_ok());
    }
}
