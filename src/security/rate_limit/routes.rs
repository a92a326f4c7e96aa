//! Which budget a request spends, from its method and path: one table, read
//! after the path is normalised (as the route policy reads it), so a
//! disguised path spends the same budget as the plain one.

use super::Budget;
use crate::auth::normalize;
use crate::security::DEV_INSTANCE_PATH as MOUNT;
use axum::http::Method;

/// The budget a request is charged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub budget: Budget,
    /// Counted per client address even when signed in: sign-in attempts
    /// (nobody is signed in yet) and webhooks (Clerk has no session).
    pub by_address: bool,
}

/// Server functions that only read, reached by POST.
const READ_ONLY_SERVER_FNS: &[&str] = &[
    "/api/current_user",
    "/api/clerk_settings",
    "/api/site_stats",
    "/api/protected/list_posts",
    "/api/protected/active_organization",
    "/api/user/my_profile",
    "/api/admin/list_users",
    "/api/admin/audit_log",
];

/// The budget for `method` on `raw_path`; `None` for what is not limited:
/// static files, health checks, and the development instance's Backend API
/// (its callers hold the secret key: the app itself).
pub fn classify(method: &Method, raw_path: &str) -> Option<Route> {
    // With `..` a path has two readings; the tighter budget applies.
    normalize(raw_path)
        .iter()
        .filter_map(|path| classify_normalized(method, path))
        .min_by_key(|route| strictness(route.budget))
}

fn strictness(budget: Budget) -> u8 {
    match budget {
        Budget::SignIn | Budget::SignInIdentifier => 0,
        Budget::Premium => 1,
        Budget::Admin => 2,
        Budget::Write => 3,
        Budget::Webhook => 4,
        Budget::Read => 5,
    }
}

fn classify_normalized(method: &Method, path: &str) -> Option<Route> {
    let user = |budget| {
        Some(Route {
            budget,
            by_address: false,
        })
    };
    let address = |budget| {
        Some(Route {
            budget,
            by_address: true,
        })
    };
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);

    if path == "/healthz" || path == "/readyz" {
        return None;
    }
    if path == "/api/webhooks/clerk" {
        return address(Budget::Webhook);
    }
    if path.starts_with("/api/premium/") {
        return user(Budget::Premium);
    }
    if let Some(dev) = path.strip_prefix(MOUNT) {
        return classify_dev(method, dev, reads);
    }
    if reads {
        return if is_static(path) {
            None
        } else {
            user(Budget::Read)
        };
    }
    let admin_change = path == "/api/admin/set_role"
        || path == "/api/admin/set_plan"
        || (path.starts_with("/api/admin/users/")
            && (path.ends_with("/role") || path.ends_with("/plan")));
    if admin_change {
        return user(Budget::Admin);
    }
    if READ_ONLY_SERVER_FNS.contains(&path) {
        return user(Budget::Read);
    }
    user(Budget::Write)
}

/// Under `/__clerk`: sign-in attempts are per address and tight; the
/// browser's token refreshes are reads; the handshake, which can make a
/// client (a dev browser) for whoever asks, is a write per address; the
/// secret-key Backend API is not limited here.
fn classify_dev(method: &Method, dev: &str, reads: bool) -> Option<Route> {
    let segments: Vec<&str> = dev.split('/').filter(|s| !s.is_empty()).collect();
    let address = |budget| {
        Some(Route {
            budget,
            by_address: true,
        })
    };
    let user = |budget| {
        Some(Route {
            budget,
            by_address: false,
        })
    };
    match segments.as_slice() {
        ["v1", "client", "sign_ins" | "sign_ups", ..] if !reads => address(Budget::SignIn),
        ["v1", "client", "sessions", _, "verify", ..] if !reads => address(Budget::SignIn),
        ["v1", "client", "sessions", _, "tokens", ..] => user(Budget::Read),
        ["v1", "client", "handshake", ..] => address(Budget::Write),
        ["api", ..] => None,
        _ if *method == Method::GET || *method == Method::HEAD => user(Budget::Read),
        _ => user(Budget::Write),
    }
}

/// Files served from the site root (the WASM bundle, styles, icons).
fn is_static(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.') && !path.starts_with("/api/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(method: Method, path: &str) -> Option<(Budget, bool)> {
        classify(&method, path).map(|r| (r.budget, r.by_address))
    }

    #[test]
    fn every_kind_of_request_has_its_budget() {
        use Budget::*;
        let cases = [
            (
                Method::POST,
                "/api/premium/generate",
                Some((Premium, false)),
            ),
            (Method::POST, "/api/premium/export", Some((Premium, false))),
            (
                Method::POST,
                "/api/admin/users/user_1/role",
                Some((Admin, false)),
            ),
            (Method::POST, "/api/admin/set_plan", Some((Admin, false))),
            (Method::POST, "/api/admin/list_users", Some((Read, false))),
            (Method::POST, "/api/protected/posts", Some((Write, false))),
            (
                Method::DELETE,
                "/api/protected/posts/4",
                Some((Write, false)),
            ),
            (
                Method::POST,
                "/api/protected/create_post",
                Some((Write, false)),
            ),
            (Method::POST, "/api/current_user", Some((Read, false))),
            (Method::GET, "/api/protected/posts", Some((Read, false))),
            (Method::GET, "/dashboard", Some((Read, false))),
            (Method::POST, "/api/webhooks/clerk", Some((Webhook, true))),
            (
                Method::POST,
                "/__clerk/v1/client/sign_ins",
                Some((SignIn, true)),
            ),
            (
                Method::POST,
                "/__clerk/v1/client/sign_ups",
                Some((SignIn, true)),
            ),
            (
                Method::POST,
                "/__clerk/v1/client/sessions/sess_1/verify/attempt_first_factor",
                Some((SignIn, true)),
            ),
            (
                Method::POST,
                "/__clerk/v1/client/sessions/sess_1/tokens",
                Some((Read, false)),
            ),
            (Method::GET, "/__clerk/v1/client", Some((Read, false))),
            (
                Method::GET,
                "/__clerk/v1/client/handshake",
                Some((Write, true)),
            ),
            (Method::DELETE, "/__clerk/v1/me", Some((Write, false))),
            (Method::PATCH, "/__clerk/v1/me", Some((Write, false))),
            (
                Method::POST,
                "/__clerk/console/api/users/user_1/access",
                Some((Write, false)),
            ),
            (Method::PATCH, "/__clerk/api/v1/users/user_1/metadata", None),
            (Method::GET, "/__clerk/api/v1/jwks", None),
            (
                Method::POST,
                "/__clerk/v1/organizations/org_1/invitations",
                Some((Write, false)),
            ),
            (Method::GET, "/pkg/inkpad.wasm", None),
            (Method::GET, "/favicon.svg", None),
            (Method::GET, "/healthz", None),
        ];
        for (method, path, expected) in cases {
            assert_eq!(budget(method.clone(), path), expected, "{method} {path}");
        }
    }

    #[test]
    fn disguised_paths_spend_the_tighter_budget() {
        assert_eq!(
            budget(Method::POST, "/API/Premium//generate/"),
            Some((Budget::Premium, false))
        );
        assert_eq!(
            budget(Method::POST, "/api/protected/../premium/generate"),
            Some((Budget::Premium, false))
        );
        assert_eq!(
            budget(Method::POST, "/%5F_clerk/v1/client/sign_ins"),
            Some((Budget::SignIn, true))
        );
        assert_eq!(
            budget(Method::GET, "/api/x.json"),
            Some((Budget::Read, false)),
            "API paths are never static files"
        );
    }
}
