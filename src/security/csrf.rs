//! Cross-site request forgery, refused in one place for every route: a
//! state-changing request (POST, PUT, PATCH, DELETE) that a browser could
//! have sent on another site's behalf must prove it comes from this app.
//!
//! Browsers attach cookies to cross-site requests but always say where the
//! request came from: `Origin` on every POST (and on other unsafe methods),
//! `Sec-Fetch-Site` on every request in current browsers. So:
//!
//! - `Origin` present: it must be this app's origin (the `Host` the browser
//!   sent, which a page on another site cannot choose) or one of
//!   `CLERK_AUTHORIZED_PARTIES`. `Origin: null` (sandboxed frames, some
//!   redirects) is refused.
//! - no `Origin`: `Sec-Fetch-Site` must be `same-origin` or `none` (typed
//!   into the address bar).
//! - neither: refused. Scripts and servers that call the API send a Bearer
//!   token instead of cookies.
//!
//! It applies to every request that carries cookies (a forged request
//! carries the victim's automatically), and to every write to the
//! development instance's frontend API, cookies or not: a sign-in posted
//! from another site must not sign the browser into the attacker's
//! account (login CSRF). A request with no cookies and no token elsewhere
//! is simply anonymous and meets the route's own 401.
//!
//! Exempt: requests with `Authorization: Bearer` (a browser never adds one
//! on its own, and the auth layer then ignores cookies entirely), and
//! Clerk's Svix-signed webhook, whose signature is its only credential.
//! `SameSite=Lax` on the cookies stays as a second line of defence.

use crate::{auth::normalize, auth::request::request_origin, error::AppError};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method},
    middleware::Next,
    response::Response,
};
use std::sync::Arc;

/// Paths whose requests carry their own proof of origin (a signature).
const EXEMPT: &[&str] = &["/api/webhooks/clerk"];

/// The CSRF rule with this deployment's extra trusted origins.
#[derive(Debug, Clone, Default)]
pub struct CsrfGuard {
    /// Origins besides the app's own (`CLERK_AUTHORIZED_PARTIES`).
    allowed: Vec<String>,
}

/// Why a request was refused (for the log line; the client sees one message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    ForeignOrigin,
    NullOrigin,
    CrossSiteFetch,
    NoProvenance,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::ForeignOrigin => "foreign-origin",
            Refusal::NullOrigin => "null-origin",
            Refusal::CrossSiteFetch => "cross-site-fetch",
            Refusal::NoProvenance => "no-origin-or-fetch-metadata",
        }
    }
}

impl CsrfGuard {
    pub fn new(allowed: Vec<String>) -> Self {
        CsrfGuard {
            allowed: allowed
                .into_iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    /// `Ok` when the request may go on.
    pub fn check(&self, method: &Method, path: &str, headers: &HeaderMap) -> Result<(), Refusal> {
        if matches!(
            *method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        ) {
            return Ok(());
        }
        if has_bearer(headers) || is_exempt(path) {
            return Ok(());
        }
        if !headers.contains_key(header::COOKIE) && !is_dev_instance(path) {
            return Ok(());
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("").trim().to_ascii_lowercase();
            if origin == "null" {
                return Err(Refusal::NullOrigin);
            }
            return if self.is_own(&origin, headers) || self.allowed.contains(&origin) {
                Ok(())
            } else {
                Err(Refusal::ForeignOrigin)
            };
        }
        match headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("same-origin" | "none") => Ok(()),
            Some(_) => Err(Refusal::CrossSiteFetch),
            None => Err(Refusal::NoProvenance),
        }
    }

    /// Is `origin` this app as the browser addressed it? The host and port
    /// must equal the request's `Host`; the scheme must match when a proxy
    /// in front says the request came over https (an http page must not
    /// post into the https site).
    fn is_own(&self, origin: &str, headers: &HeaderMap) -> bool {
        let Some(own) = request_origin(headers) else {
            return false;
        };
        let own = own.to_ascii_lowercase();
        let authority = |o: &str| o.split_once("://").map(|(_, rest)| rest.to_owned());
        let scheme = |o: &str| o.split_once("://").map(|(s, _)| s.to_owned());
        let https_known = own.starts_with("https://");
        authority(origin).is_some()
            && authority(origin) == authority(&own)
            && (!https_known || scheme(origin).as_deref() == Some("https"))
    }
}

fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()
        })
}

/// The development instance's own routes (sign-in, sign-up, console).
fn is_dev_instance(path: &str) -> bool {
    let mount = crate::security::DEV_INSTANCE_PATH;
    normalize(path)
        .iter()
        .any(|p| p == mount || p.starts_with(&format!("{mount}/")))
}

/// Every reading of the path must be exempt, so `..` cannot borrow an
/// exemption for another route.
fn is_exempt(path: &str) -> bool {
    normalize(path).iter().all(|p| EXEMPT.contains(&p.as_str()))
}

/// Middleware: refuses forged requests before anything reads them.
pub async fn protect(
    State(guard): State<Arc<CsrfGuard>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    match guard.check(request.method(), &path, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(reason) => {
            tracing::warn!(reason = reason.as_str(), method = %request.method(), "cross-site request refused");
            super::refusal(
                &path,
                AppError::Forbidden(
                    "This request did not come from this site, so it was refused. \
                     Reload the page and try again."
                        .into(),
                ),
                "origin_invalid",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    fn check(pairs: &[(&str, &str)]) -> Result<(), Refusal> {
        let mut all = vec![("host", "app.example.com"), ("cookie", "__session=t")];
        all.extend_from_slice(pairs);
        CsrfGuard::new(vec!["https://admin.example.com".into()]).check(
            &Method::POST,
            "/api/protected/create_post",
            &headers(&all),
        )
    }

    #[test]
    fn same_origin_and_authorized_parties_pass() {
        assert_eq!(check(&[("origin", "http://app.example.com")]), Ok(()));
        assert_eq!(check(&[("origin", "HTTP://App.Example.com")]), Ok(()));
        assert_eq!(check(&[("origin", "https://admin.example.com")]), Ok(()));
        assert_eq!(check(&[("sec-fetch-site", "same-origin")]), Ok(()));
        assert_eq!(check(&[("sec-fetch-site", "none")]), Ok(()));
    }

    #[test]
    fn everything_else_is_refused() {
        let cases: &[(&[(&str, &str)], Refusal)] = &[
            (
                &[("origin", "https://evil.example")],
                Refusal::ForeignOrigin,
            ),
            (
                &[("origin", "http://app.example.com.evil.example")],
                Refusal::ForeignOrigin,
            ),
            (
                &[("origin", "http://sub.app.example.com")],
                Refusal::ForeignOrigin,
            ),
            (
                &[("origin", "http://app.example.com:8080")],
                Refusal::ForeignOrigin,
            ),
            (&[("origin", "app.example.com")], Refusal::ForeignOrigin),
            (&[("origin", "null")], Refusal::NullOrigin),
            // Origin wins: a same-origin fetch-site claim cannot rescue it.
            (
                &[
                    ("origin", "https://evil.example"),
                    ("sec-fetch-site", "same-origin"),
                ],
                Refusal::ForeignOrigin,
            ),
            (&[("sec-fetch-site", "cross-site")], Refusal::CrossSiteFetch),
            (&[("sec-fetch-site", "same-site")], Refusal::CrossSiteFetch),
            (&[], Refusal::NoProvenance),
        ];
        for (pairs, reason) in cases {
            assert_eq!(check(pairs), Err(*reason), "{pairs:?}");
        }
    }

    #[test]
    fn an_https_site_refuses_its_http_twin() {
        let h = headers(&[
            ("host", "app.example.com"),
            ("x-forwarded-proto", "https"),
            ("origin", "http://app.example.com"),
            ("cookie", "__session=t"),
        ]);
        let guard = CsrfGuard::default();
        assert_eq!(
            guard.check(&Method::POST, "/x", &h),
            Err(Refusal::ForeignOrigin)
        );
    }

    #[test]
    fn anonymous_requests_meet_the_routes_own_answer_but_sign_ins_never() {
        let guard = CsrfGuard::default();
        let foreign = headers(&[("host", "app"), ("origin", "https://evil.example")]);
        assert_eq!(
            guard.check(&Method::POST, "/api/protected/posts", &foreign),
            Ok(())
        );
        for path in [
            "/__clerk/v1/client/sign_ins",
            "/__CLERK/v1/client/sign_ups",
            "/__clerk/console/api/users/u/access",
        ] {
            assert_eq!(
                guard.check(&Method::POST, path, &foreign),
                Err(Refusal::ForeignOrigin),
                "{path}"
            );
        }
        assert_eq!(
            guard.check(
                &Method::POST,
                "/__clerk/v1/client/sign_ins",
                &headers(&[("host", "app")])
            ),
            Err(Refusal::NoProvenance)
        );
    }

    #[test]
    fn safe_methods_bearer_calls_and_the_webhook_are_exempt() {
        let guard = CsrfGuard::default();
        let foreign = headers(&[
            ("host", "app"),
            ("origin", "https://evil.example"),
            ("cookie", "__session=t"),
        ]);
        assert_eq!(guard.check(&Method::GET, "/api/x", &foreign), Ok(()));
        assert_eq!(
            guard.check(&Method::POST, "/api/webhooks/clerk", &foreign),
            Ok(())
        );
        let bearer = headers(&[("authorization", "Bearer abc.def.ghi"), ("cookie", "a=b")]);
        assert_eq!(guard.check(&Method::DELETE, "/api/x", &bearer), Ok(()));
        // An empty Bearer is no credential, and no exemption.
        let empty = headers(&[("authorization", "Bearer "), ("cookie", "a=b")]);
        assert_eq!(
            guard.check(&Method::DELETE, "/api/x", &empty),
            Err(Refusal::NoProvenance)
        );
        // The webhook's exemption cannot be borrowed through `..`.
        for path in [
            "/api/webhooks/clerk/../../admin/set_role",
            "/api/webhooks/clerk2",
        ] {
            assert_eq!(
                guard.check(&Method::POST, path, &foreign),
                Err(Refusal::ForeignOrigin),
                "{path}"
            );
        }
    }
}
