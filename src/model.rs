//! Domain types shared by the server and the browser: roles, plans, users and posts.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// What a user may administer. Comes from the session token's claims
/// (`metadata.role`); the database keeps a copy for listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Member,
    Admin,
}

/// What a user has paid for. Comes from the session token's claims
/// (`metadata.plan` or Clerk's `pla`); the database keeps a copy for listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    #[default]
    Free,
    Pro,
}

/// Where an audit entry stands. An admin's change is logged before Clerk is
/// asked, so that no change Clerk accepts is ever missing from the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    /// Logged; Clerk's answer or the local copy's update has not been seen.
    Requested,
    /// Clerk has the change and so does the local copy (or the entry
    /// records a fact, such as a session event).
    #[default]
    Done,
    /// Clerk refused; nothing changed.
    Failed,
}

/// A value outside the known set of roles or plans.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! string_enum {
    ($ty:ident, $kind:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownVariant;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(UnknownVariant { kind: $kind, value: other.to_owned() }),
                }
            }
        }

        impl TryFrom<String> for $ty {
            type Error = UnknownVariant;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

string_enum!(Role, "role", { Member => "member", Admin => "admin" });
string_enum!(Plan, "plan", { Free => "free", Pro => "pro" });
string_enum!(AuditStatus, "audit status", {
    Requested => "requested", Done => "done", Failed => "failed",
});

/// Does `id` look like a Clerk user id (`user_` and up to 64 letters and
/// digits)? Checked before an id reaches a query or a URL.
pub fn is_user_id(id: &str) -> bool {
    id.strip_prefix("user_").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The local copy of a Clerk user, kept in sync by webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct User {
    /// Clerk's user id (`user_…`).
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub role: Role,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub plan: Plan,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when Clerk reported the user deleted; the row is then a tombstone
    /// with no personal data, kept so that late events cannot resurrect it.
    pub deleted_at: Option<i64>,
    /// The `timestamp` of the last Clerk event applied to this row.
    pub last_event_at: Option<i64>,
}

/// A post, owned by its author, in their personal space or an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Post {
    pub id: i64,
    /// Clerk user id of the author; always taken from the verified session.
    pub author_id: String,
    /// The Clerk organization it was written in (`None`: the author's
    /// personal space); always the session's active organization at the
    /// time, never a request's say-so.
    #[serde(default)]
    pub org_id: Option<String>,
    pub title: String,
    pub content: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// The organization permissions the post rules read (Clerk's
/// `org:<feature>:<permission>`, feature `posts`).
pub const POSTS_READ: &str = "org:posts:read";
pub const POSTS_CREATE: &str = "org:posts:create";
pub const POSTS_MANAGE: &str = "org:posts:manage";

/// What the post rules need to know about the caller: from the verified
/// session on the server, from the `AuthSnapshot` in the browser (where it
/// only decides which buttons to show).
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub user_id: &'a str,
    /// The app's own admin role (`metadata.role`).
    pub app_admin: bool,
    /// The active organization, if any.
    pub org_id: Option<&'a str>,
    /// The active organization's permissions (`org:posts:manage`).
    pub permissions: &'a [String],
}

impl Caller<'_> {
    fn may(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    fn in_org_of(&self, post: &Post) -> bool {
        post.org_id.is_some() && post.org_id.as_deref() == self.org_id
    }

    /// Who may read a post: its author in its space, an organization's
    /// readers (`org:posts:read`) with it active, and app admins.
    pub fn may_read(&self, post: &Post) -> bool {
        self.app_admin
            || match post.org_id {
                None => post.author_id == self.user_id,
                Some(_) => {
                    self.in_org_of(post) && (post.author_id == self.user_id || self.may(POSTS_READ))
                }
            }
    }

    /// Who may change or delete a post — the one ownership rule: its author
    /// (in an organization, with that organization active), the
    /// organization's managers (`org:posts:manage`), and app admins.
    pub fn may_change(&self, post: &Post) -> bool {
        self.app_admin
            || match post.org_id {
                None => post.author_id == self.user_id,
                Some(_) => {
                    self.in_org_of(post)
                        && (post.author_id == self.user_id || self.may(POSTS_MANAGE))
                }
            }
    }
}

impl AuthSnapshot {
    /// The caller, as the post rules see them.
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            user_id: &self.user_id,
            app_admin: self.role == Role::Admin,
            org_id: self.org.as_ref().map(|o| o.id.as_str()),
            permissions: &self.permissions,
        }
    }
}

/// Everything the app holds about the caller (`GET /api/user/export`): the
/// local profile Clerk's webhooks keep, and every post they wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountData {
    /// Unix milliseconds.
    pub exported_at: i64,
    /// `None` until Clerk's `user.created` webhook has reached the app.
    pub profile: Option<User>,
    pub posts: Vec<Post>,
}

/// What a post is written from: the author always comes from the session
/// (a body naming one, or any other unknown field, is refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    pub title: String,
    pub content: String,
}

/// A partial edit: absent fields stay as they are; unknown ones are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

/// The caller's active organization as the app's own tables know it
/// (kept by Clerk's webhooks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    pub id: String,
    pub name: Option<String>,
    pub members: i64,
}

/// One page of a longer list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many there are in all.
    pub total: i64,
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page.max(1)).max(1)
    }
}

/// One line of the audit log, with the emails the local table knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub subject_id: String,
    pub subject_email: Option<String>,
    /// `role.changed`, `plan.changed`, `session.created`, `session.ended`, ...
    pub action: String,
    pub detail: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub status: AuditStatus,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// The premium export: every post of the caller as one Markdown document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    pub filename: String,
    pub markdown: String,
    pub stats: ExportStats,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStats {
    pub posts: i64,
    pub words: i64,
    /// Rounded up, at 200 words a minute; 0 for no words.
    pub reading_minutes: i64,
    pub average_words: i64,
    /// Title of the longest post.
    pub longest: Option<String>,
}

/// What the browser needs to load Clerk: all public, all from the server's
/// configuration (so the same build runs against any Clerk instance).
pub use leptos_clerk::ClerkSettings;

/// A user's public profile, as the API and settings page show it. Built
/// from Clerk's user object; private metadata has no way in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
    pub role: Role,
    pub plan: Plan,
}

/// The signed-in user's public identity, as the server hands it to the
/// browser (in the SSR payload and from `/api/session`). It never holds the
/// session token or private metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthSnapshot {
    pub user_id: String,
    pub session_id: Option<String>,
    pub role: Role,
    pub plan: Plan,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub image_url: Option<String>,
    /// Active organization's permissions (`org:posts:manage`), if any.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// The active organization (Clerk's `o` claim), if any.
    #[serde(default)]
    pub org: Option<OrgSnapshot>,
    /// Clerk features, scoped (`u:export`, `o:teams`), from `fea`.
    #[serde(default)]
    pub features: Vec<String>,
    /// Clerk billing plans, scoped (`u:pro`, `o:team`), from `pla`.
    #[serde(default)]
    pub plans: Vec<String>,
}

/// The session's active organization, as the token names it.
pub use leptos_clerk::Organization as OrgSnapshot;

/// What Clerk's components read: `has_plan` also counts the plan in the
/// app's public metadata, and the name is the profile's, never a raw id.
impl leptos_clerk::AuthUser for AuthSnapshot {
    fn user_id(&self) -> &str {
        &self.user_id
    }

    fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    fn organization(&self) -> Option<&OrgSnapshot> {
        self.org.as_ref()
    }

    fn permissions(&self) -> &[String] {
        &self.permissions
    }

    fn features(&self) -> &[String] {
        &self.features
    }

    fn plans(&self) -> &[String] {
        &self.plans
    }

    /// Clerk's claims, and the role and plan from the public metadata: a
    /// change in any of them reloads an islands page.
    fn same_access(&self, other: &dyn leptos_clerk::AuthUser) -> bool {
        leptos_clerk::user::same_claims(self, other)
            && other
                .as_any()
                .downcast_ref::<AuthSnapshot>()
                .is_some_and(|other| self.role == other.role && self.plan == other.plan)
    }

    /// Clerk's `has({ plan })`, as the server answers it: `u:pro` or
    /// `o:team` in that scope; unscoped, the user's plan (metadata) or the
    /// active organization's.
    fn has_plan(&self, plan: &str) -> bool {
        match plan.split_once(':') {
            Some(_) => self.plans.iter().any(|p| p == plan),
            None => {
                self.plan.as_str() == plan || self.plans.iter().any(|p| *p == format!("o:{plan}"))
            }
        }
    }

    /// "Ada Lovelace", else the email, else "Your account" (before the
    /// webhook sync has brought the profile, only the id is known).
    fn display_name(&self) -> String {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            name
        } else {
            self.email
                .clone()
                .unwrap_or_else(|| "Your account".to_owned())
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `YYYY-MM-DD` (UTC) of a unix-millisecond time, by Howard Hinnant's
/// days-to-civil algorithm (no calendar crate needed for one date format).
pub fn format_date(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos_clerk::AuthUser;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(951_782_400_000), "2000-02-29");
        assert_eq!(format_date(1_795_478_399_999), "2026-11-23");
        assert_eq!(format_date(-1), "1969-12-31");
    }

    #[test]
    fn roles_and_plans_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
        }
        for plan in Plan::ALL {
            assert_eq!(plan.to_string().parse::<Plan>().unwrap(), *plan);
        }
    }

    #[test]
    fn unknown_values_are_rejected_not_defaulted() {
        let err = "superuser".parse::<Role>().unwrap_err();
        assert_eq!(err.to_string(), r#"unknown role "superuser""#);
        assert!(
            "Pro".parse::<Plan>().is_err(),
            "parsing is exact, not case-folded"
        );
    }

    #[test]
    fn display_names_prefer_the_name_then_the_email() {
        let mut s = AuthSnapshot {
            user_id: "user_1".into(),
            session_id: None,
            role: Role::Member,
            plan: Plan::Free,
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@example.com".into()),
            image_url: None,
            permissions: Vec::new(),
            org: None,
            features: Vec::new(),
            plans: Vec::new(),
        };
        assert_eq!(s.display_name(), "Ada Lovelace");
        s.last_name = None;
        assert_eq!(s.display_name(), "Ada");
        s.first_name = Some(String::new());
        assert_eq!(s.display_name(), "ada@example.com");
        s.email = None;
        assert_eq!(s.display_name(), "Your account", "never a raw id");
    }

    #[test]
    fn a_new_role_or_plan_is_new_access_a_new_name_is_not() {
        let ada = AuthSnapshot {
            user_id: "user_1".into(),
            session_id: Some("sess_1".into()),
            role: Role::Member,
            plan: Plan::Free,
            first_name: None,
            last_name: None,
            email: None,
            image_url: None,
            permissions: Vec::new(),
            org: None,
            features: Vec::new(),
            plans: Vec::new(),
        };
        let named = AuthSnapshot {
            first_name: Some("Ada".into()),
            ..ada.clone()
        };
        assert!(ada.same_access(&named), "a name the webhooks brought");
        let pro = AuthSnapshot {
            plan: Plan::Pro,
            ..ada.clone()
        };
        assert!(!ada.same_access(&pro));
        let admin = AuthSnapshot {
            role: Role::Admin,
            ..ada.clone()
        };
        assert!(!ada.same_access(&admin));
        let elsewhere = AuthSnapshot {
            session_id: Some("sess_2".into()),
            ..ada.clone()
        };
        assert!(!ada.same_access(&elsewhere), "another session");
    }

    #[test]
    fn serde_uses_the_lowercase_names() {
        assert_eq!(serde_json::to_string(&Role::Admin).unwrap(), r#""admin""#);
        assert_eq!(serde_json::from_str::<Plan>(r#""pro""#).unwrap(), Plan::Pro);
    }
}
