//! Route protection as one declarative table, opt-in: the app writes its
//! table (its paths, its own requirements) and hands it to the layer.
//!
//! Patterns are segment-aware: `/dashboard` is that path only, `/dashboard/*`
//! is it and everything below — never `/dashboardxyz`. Paths are normalised
//! before matching (percent-decoding until stable, `\` as `/`, repeated `/`
//! collapsed, case folded, trailing `/` ignored). A path with `.` or `..`
//! segments is judged both as written and as resolved, and must satisfy both:
//! whatever a downstream router makes of it, it cannot dodge a rule.

use super::{error::AuthError, session::Session};
use std::fmt::Debug;

/// What a route requires: Clerk's own conditions, or one of the app's
/// (`Require`, a [`Rule`] such as a role or plan read from its metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access<R> {
    /// Anyone.
    Public,
    /// A verified session.
    SignedIn,
    /// An active organization in the verified token (Clerk's `o` claim).
    ActiveOrganization,
    /// An organization permission in the verified token, such as
    /// `org:posts:manage` (so also an active organization).
    Permission(&'static str),
    /// The app's own requirement.
    Require(R),
}

/// An app's own requirement in its route table, checked against the
/// verified session (with the app's metadata `M`). `Err` is the refusal:
/// [`AuthError::Forbidden`] sends a page to the unauthorized page,
/// [`AuthError::UpgradeRequired`] too (an API answers 403 with its title).
pub trait Rule<M>: Copy + PartialEq + Debug + Send + Sync + 'static {
    /// `Ok` when `session` meets the requirement.
    fn check(&self, session: &Session<M>) -> Result<(), AuthError>;
}

/// No requirements of the app's own: a table of Clerk's conditions only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoRule {}

impl<M> Rule<M> for NoRule {
    fn check(&self, _session: &Session<M>) -> Result<(), AuthError> {
        match *self {}
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    segments: Vec<String>,
    /// `/x/*`: also every path below `/x`.
    subtree: bool,
}

impl Pattern {
    fn parse(pattern: &str) -> Result<Self, String> {
        if !pattern.starts_with('/') {
            return Err(format!("pattern {pattern:?} must start with /"));
        }
        let (path, subtree) = match pattern.strip_suffix("/*") {
            Some(path) => (path, true),
            None => (pattern, false),
        };
        if path.contains('*') {
            return Err(format!(
                "pattern {pattern:?}: * is only allowed as a final /*"
            ));
        }
        Ok(Pattern {
            segments: segments(&path.to_lowercase()).map(str::to_owned).collect(),
            subtree,
        })
    }

    fn matches(&self, path: &[&str]) -> bool {
        if self.subtree {
            path.len() >= self.segments.len() && self.segments.iter().zip(path).all(|(a, b)| a == b)
        } else {
            path.len() == self.segments.len() && self.segments.iter().zip(path).all(|(a, b)| a == b)
        }
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// The route table: the first matching rule decides; no match is public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy<R> {
    rules: Vec<(Pattern, Access<R>)>,
}

impl<R: Copy + PartialEq> Policy<R> {
    /// A table of `(pattern, access)` rules, in order. A pattern is a path
    /// (`/dashboard`: that path only) or a subtree (`/dashboard/*`: it and
    /// everything below); `Err` names a malformed pattern.
    pub fn new(rules: &[(&str, Access<R>)]) -> Result<Self, String> {
        let rules = rules
            .iter()
            .map(|(p, access)| Ok((Pattern::parse(p)?, *access)))
            .collect::<Result<_, String>>()?;
        Ok(Policy { rules })
    }

    /// Nothing protected: for tests proving handlers check for themselves.
    pub fn none() -> Self {
        Policy { rules: Vec::new() }
    }

    /// Every requirement the raw request path must meet (empty: public).
    pub fn requirements(&self, raw_path: &str) -> Vec<Access<R>> {
        let mut out: Vec<Access<R>> = Vec::new();
        for candidate in normalize(raw_path) {
            let access = self.access_for(&candidate);
            if access != Access::Public && !out.contains(&access) {
                out.push(access);
            }
        }
        out
    }

    fn access_for(&self, normalized: &str) -> Access<R> {
        let path: Vec<&str> = segments(normalized).collect();
        self.rules
            .iter()
            .find(|(pattern, _)| pattern.matches(&path))
            .map_or(Access::Public, |(_, access)| *access)
    }
}

/// The normalised readings of a raw request path: as written, and with
/// `.`/`..` resolved when that differs.
pub fn normalize(raw_path: &str) -> Vec<String> {
    let path = raw_path.split(['?', '#']).next().unwrap_or("");
    if is_normal(path) {
        return vec![path.to_owned()];
    }
    normalize_in_full(path)
}

/// Already in normal form: lower-case letters, digits, `-`, `_` and `.` in
/// non-empty segments, none of them `.` or `..` — so nothing to decode,
/// lower or resolve. That is nearly every request, and normalising runs in
/// several layers per request; the full path below allocates a copy per step.
fn is_normal(path: &str) -> bool {
    path == "/"
        || path.strip_prefix('/').is_some_and(|rest| {
            rest.split('/').all(|segment| {
                !segment.is_empty()
                    && segment != "."
                    && segment != ".."
                    && segment
                        .bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.'))
            })
        })
}

fn normalize_in_full(path: &str) -> Vec<String> {
    let mut decoded = path.to_owned();
    // Decode until stable, so %2564 cannot hide a "d" behind two layers.
    for _ in 0..4 {
        let next = percent_encoding::percent_decode_str(&decoded)
            .decode_utf8_lossy()
            .into_owned();
        if next == decoded {
            break;
        }
        decoded = next;
    }
    let lowered = decoded.replace('\\', "/").to_lowercase();

    let as_written = format!("/{}", segments(&lowered).collect::<Vec<_>>().join("/"));
    let mut resolved: Vec<&str> = Vec::new();
    for segment in segments(&lowered) {
        match segment {
            "." => {}
            ".." => {
                resolved.pop();
            }
            s => resolved.push(s),
        }
    }
    let resolved = format!("/{}", resolved.join("/"));
    if resolved == as_written {
        vec![as_written]
    } else {
        vec![as_written, resolved]
    }
}

/// Is `raw_path`, in any of its readings, `prefix` or below it (`/api`:
/// `/api`, `/api/x`, `/API//x`, never `/apiary`)?
pub fn is_under(raw_path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/').to_lowercase();
    normalize(raw_path)
        .iter()
        .any(|p| *p == prefix || p.strip_prefix(&prefix).is_some_and(|r| r.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_removes_every_disguise() {
        let cases = [
            ("/Dashboard", "/dashboard"),
            ("/dashboard/", "/dashboard"),
            ("//dashboard", "/dashboard"),
            ("///dashboard//posts///", "/dashboard/posts"),
            ("/%64ashboard", "/dashboard"),
            ("/%2564ashboard", "/dashboard"),
            ("/%44ASHBOARD", "/dashboard"),
            ("/dashboard%2Fposts", "/dashboard/posts"),
            ("\\dashboard", "/dashboard"),
            ("/dashboard?x=/admin", "/dashboard"),
            ("/", "/"),
            ("", "/"),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalize(raw), [expected], "{raw}");
        }
        assert_eq!(
            normalize("/api/admin/../protected"),
            ["/api/admin/../protected", "/api/protected"]
        );
        assert_eq!(normalize("/a/./b/../../c"), ["/a/./b/../../c", "/c"]);
        assert_eq!(normalize("/../../etc"), ["/../../etc", "/etc"]);
    }

    proptest::proptest! {
        /// The shortcut for paths already in normal form answers exactly
        /// what the full normalisation does, for any path built from the
        /// characters that matter (case, escapes, dots, slashes), most of
        /// them segment by segment so that many are in normal form.
        #[test]
        fn the_shortcut_agrees_with_the_full_normalisation(
            path in "(/[a-z0-9._%A\\\\-]{0,5}){0,4}|[/a-zA-Z0-9._%\\\\-]{0,16}"
        ) {
            let path = path.as_str();
            if is_normal(path) {
                proptest::prop_assert_eq!(vec![path.to_owned()], normalize_in_full(path));
            }
            proptest::prop_assert_eq!(normalize(path), normalize_in_full(path));
        }
    }

    #[test]
    fn the_shortcut_takes_only_paths_in_normal_form() {
        for path in [
            "/",
            "/dashboard",
            "/api/protected/posts",
            "/pkg/inkpad.abc-_1.wasm",
        ] {
            assert!(is_normal(path), "{path}");
        }
        for path in [
            "", "//", "/x/", "/A", "/%61", "/a/./b", "/a/..", "\\a", "a", "/a b",
        ] {
            assert!(!is_normal(path), "{path}");
        }
    }

    /// The app's own requirements, as a test app has them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum TestRule {
        Admin,
        Pro,
    }

    fn table() -> Policy<TestRule> {
        Policy::new(&[
            ("/api/webhooks/*", Access::Public),
            ("/api/admin/*", Access::Require(TestRule::Admin)),
            ("/api/premium/*", Access::Require(TestRule::Pro)),
            ("/api/protected/*", Access::SignedIn),
            ("/dashboard/*", Access::SignedIn),
        ])
        .unwrap()
    }

    #[test]
    fn the_bypass_class_is_closed() {
        let policy = table();
        let signed_in = vec![Access::SignedIn];
        let admin = Access::Require(TestRule::Admin);
        let cases: &[(&str, Vec<Access<TestRule>>)] = &[
            ("/dashboard", signed_in.clone()),
            ("/Dashboard", signed_in.clone()),
            ("/dashboard/", signed_in.clone()),
            ("//dashboard", signed_in.clone()),
            ("/%64ashboard", signed_in.clone()),
            ("/dashboard/posts/7", signed_in.clone()),
            // Its own route, not part of /dashboard/*.
            ("/dashboardxyz", vec![]),
            ("/dashboard-old", vec![]),
            // Both readings must be satisfied: admin (as written) and signed in (resolved).
            ("/api/admin/../protected", vec![admin, Access::SignedIn]),
            ("/api/public/../admin/users", vec![admin]),
            ("/api%2Fadmin%2Fusers", vec![admin]),
            (
                "/API/Premium/generate",
                vec![Access::Require(TestRule::Pro)],
            ),
            ("/api/webhooks/clerk", vec![]),
            ("/", vec![]),
            ("/pricing", vec![]),
        ];
        for (path, expected) in cases {
            assert_eq!(&policy.requirements(path), expected, "{path}");
        }
    }

    #[test]
    fn first_matching_rule_wins_and_exact_patterns_stay_exact() {
        let policy = Policy::new(&[
            ("/reports", Access::SignedIn),
            ("/reports/public/*", Access::Public),
            ("/reports/*", Access::Require(TestRule::Admin)),
        ])
        .unwrap();
        assert_eq!(policy.requirements("/reports"), [Access::SignedIn]);
        assert_eq!(policy.requirements("/reports/public/q3"), []);
        assert_eq!(
            policy.requirements("/reports/q3"),
            [Access::Require(TestRule::Admin)]
        );
        assert_eq!(Policy::<NoRule>::none().requirements("/dashboard"), []);
    }

    #[test]
    fn organization_rules_match_like_the_others() {
        let policy = Policy::<NoRule>::new(&[
            (
                "/team/settings/*",
                Access::Permission("org:sys_profile:manage"),
            ),
            ("/team/*", Access::ActiveOrganization),
        ])
        .unwrap();
        assert_eq!(
            policy.requirements("/Team/Settings/x"),
            [Access::Permission("org:sys_profile:manage")]
        );
        assert_eq!(policy.requirements("/team"), [Access::ActiveOrganization]);
    }

    #[test]
    fn bad_patterns_are_rejected() {
        let bad = |p: &str| Policy::<NoRule>::new(&[(p, Access::SignedIn)]).is_err();
        assert!(bad("dashboard"));
        assert!(bad("/dash*"));
        assert!(bad("/a/*/b"));
    }

    #[test]
    fn api_paths_are_recognised_in_any_disguise() {
        let api = |p: &str| is_under(p, "/api");
        assert!(api("/api/protected/posts"));
        assert!(api("/API/x"));
        assert!(api("//api//x"));
        assert!(api("/api"));
        assert!(!api("/apiary"));
        assert!(!api("/dashboard"));
        assert!(is_under("/x/../api/y", "/api/"));
    }
}
