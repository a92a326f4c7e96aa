//! Where a request's session token comes from, and the handshake decision.
//!
//! `Authorization: Bearer` first (it never triggers a handshake), else the
//! `__session` cookie with `__client_uat`, each possibly suffixed with the
//! first 8 characters of url-safe base64(SHA-1(publishable key)).

use base64::{engine::general_purpose::URL_SAFE, Engine};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use sha1::{Digest, Sha1};

pub const SESSION_COOKIE: &str = "__session";
pub const CLIENT_UAT_COOKIE: &str = "__client_uat";
pub const REDIRECT_COUNT_COOKIE: &str = "__clerk_redirect_count";
/// The signed cookie list the frontend API returns after a handshake (as a
/// query parameter for development instances, a cookie for production).
pub const HANDSHAKE_TOKEN: &str = "__clerk_handshake";
/// The one-time reference to a handshake's cookie list, which the server
/// redeems through the Backend API (`format=nonce`).
pub const HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
pub const HANDSHAKE_HELP: &str = "__clerk_help";
/// A development instance's dev browser: the first-party cookie (and, on
/// redirects from the frontend API, query parameter) by which a frontend
/// API on another site finds this browser's client.
pub const DEV_BROWSER: &str = "__clerk_db_jwt";
/// The longest credential value read from a query string or cookie.
const MAX_VALUE_BYTES: usize = 8 * 1024;
/// Handshakes allowed in a row before giving up (a redirect loop).
pub const MAX_HANDSHAKE_REDIRECTS: u32 = 3;

/// The cookie-name suffix for an instance's publishable key.
pub fn cookie_suffix(publishable_key: &str) -> String {
    let digest = Sha1::digest(publishable_key.as_bytes());
    URL_SAFE.encode(digest).chars().take(8).collect()
}

/// What the request carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub bearer: Option<String>,
    pub session_cookie: Option<String>,
    /// Unix seconds of the client's last change while signed in; 0 = signed out.
    pub client_uat: i64,
    pub redirect_count: u32,
    /// A handshake result to apply, from the query string or a cookie.
    pub handshake_token: Option<String>,
    /// A handshake nonce to redeem, from the query string or a cookie.
    pub handshake_nonce: Option<String>,
    /// The dev browser the browser keeps (cookie, suffixed or plain).
    pub dev_browser: Option<String>,
    /// A dev browser handed over in the URL (`dev-browser-sync`).
    pub dev_browser_in_url: Option<String>,
}

impl Credentials {
    pub fn from_request(uri: &Uri, headers: &HeaderMap, suffix: Option<&str>) -> Self {
        let mut credentials = Self::from_headers(headers, suffix);
        let query_or_cookie = |name: &str| {
            query_param(uri, name)
                .or_else(|| cookie(headers, name))
                .filter(|v| plausible(v))
        };
        credentials.handshake_token = query_or_cookie(HANDSHAKE_TOKEN);
        credentials.handshake_nonce = query_or_cookie(HANDSHAKE_NONCE);
        credentials.dev_browser = suffix
            .and_then(|s| cookie(headers, &format!("{DEV_BROWSER}_{s}")))
            .or_else(|| cookie(headers, DEV_BROWSER))
            .filter(|v| plausible(v));
        credentials.dev_browser_in_url = query_param(uri, DEV_BROWSER).filter(|v| plausible(v));
        credentials
    }

    pub fn from_headers(headers: &HeaderMap, suffix: Option<&str>) -> Self {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| token.trim().to_owned())
            })
            .filter(|t| !t.is_empty());
        let suffixed_or_plain = |name: &str| {
            suffix
                .and_then(|s| cookie(headers, &format!("{name}_{s}")))
                .or_else(|| cookie(headers, name))
        };
        Credentials {
            bearer,
            session_cookie: suffixed_or_plain(SESSION_COOKIE).filter(|v| !v.is_empty()),
            client_uat: suffixed_or_plain(CLIENT_UAT_COOKIE)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            redirect_count: cookie(headers, REDIRECT_COUNT_COOKIE)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            ..Default::default()
        }
    }
}

/// A query parameter's raw value (the credentials read here are url-safe
/// tokens, so they are never percent-decoded).
pub fn query_param(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Could `value` be a token Clerk issued (a JWT, a nonce, a dev browser)?
/// Anything else — empty, oversized, or with characters no token has — is
/// treated as absent, so it is never forwarded, stored or echoed.
fn plausible(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_VALUE_BYTES
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// A cookie's value from a request's `Cookie` headers (all of them).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
}

/// `scheme://host` of a request as the browser sees it: the `Host` header
/// (only plain host characters accepted) and `X-Forwarded-Proto` when a
/// proxy in front says https.
pub fn request_origin(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !valid {
        return None;
    }
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|s| *s == "https" || *s == "http")
        .unwrap_or("http");
    Some(format!("{scheme}://{host}"))
}

/// `path?query` of `uri` without the handshake parameters: where the browser
/// goes once the handshake's cookies are set.
pub fn without_handshake_params(uri: &Uri) -> String {
    let query: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !pair.is_empty()
                && ![
                    HANDSHAKE_TOKEN,
                    HANDSHAKE_NONCE,
                    HANDSHAKE_HELP,
                    DEV_BROWSER,
                ]
                .contains(&key)
        })
        .collect();
    if query.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), query.join("&"))
    }
}

/// A handshake step: `307` to `location`, never cached (the step, the
/// app's or the frontend API's, depends on the browser's cookies at that
/// moment). A location that is not a valid header value is left out.
pub fn handshake_redirect(location: &str) -> (StatusCode, HeaderMap) {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (StatusCode::TEMPORARY_REDIRECT, headers)
}

/// Is this a browser loading a page (the only kind of request that may be
/// sent through the handshake)?
pub fn is_page_load(method: &Method, headers: &HeaderMap) -> bool {
    if method != Method::GET {
        return false;
    }
    match headers.get("sec-fetch-dest").and_then(|v| v.to_str().ok()) {
        Some(dest) => dest == "document",
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("text/html")),
    }
}

/// For a browser's own form submission (a POST navigation, as a page
/// without JavaScript sends it), the page it came from: the `Referer`'s
/// path and query, only when it is this same origin. `None` for anything
/// else (scripts' fetches, other sites, no `Referer`).
pub fn form_return_path(method: &Method, headers: &HeaderMap) -> Option<String> {
    if method != Method::POST {
        return None;
    }
    let navigation = match headers.get("sec-fetch-dest").and_then(|v| v.to_str().ok()) {
        Some(dest) => dest == "document",
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("text/html")),
    };
    if !navigation {
        return None;
    }
    let origin = request_origin(headers)?;
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let rest = referer.strip_prefix(&origin)?;
    (rest.is_empty() || rest.starts_with('/')).then(|| {
        if rest.is_empty() {
            "/".to_owned()
        } else {
            rest.to_owned()
        }
    })
}

/// Why a request is signed out or sent through the handshake (for logs and
/// the handshake's `__clerk_hs_reason`), in the words of Clerk's SDK
/// (`AuthErrorReason` in @clerk/backend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NoCredentials,
    SessionTokenWithoutClientUat,
    ClientUatWithoutSessionToken,
    SessionTokenIatBeforeClientUat,
    SessionTokenExpired,
    InvalidToken,
    /// Development keys: the browser has no dev browser cookie yet.
    DevBrowserMissing,
    /// Development keys: the URL carries a dev browser to keep.
    DevBrowserSync,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoCredentials => "session-token-and-uat-missing",
            Reason::SessionTokenWithoutClientUat => "session-token-but-no-client-uat",
            Reason::ClientUatWithoutSessionToken => "client-uat-but-no-session-token",
            Reason::SessionTokenIatBeforeClientUat => "session-token-iat-before-client-uat",
            Reason::SessionTokenExpired => "session-token-expired",
            Reason::InvalidToken => "invalid-token",
            Reason::DevBrowserMissing => "dev-browser-missing",
            Reason::DevBrowserSync => "dev-browser-sync",
        }
    }
}

/// What the cookie state says before the token itself is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieState {
    SignedOut(Reason),
    /// Needs fresh cookies from the frontend API.
    NeedsHandshake(Reason),
    /// Verify this token; compare its `iat` with `client_uat`.
    Verify {
        token: String,
        client_uat: i64,
    },
}

/// The first half of Clerk's cookie decision table.
pub fn cookie_state(credentials: &Credentials) -> CookieState {
    let signed_in_client = credentials.client_uat > 0;
    match (&credentials.session_cookie, signed_in_client) {
        (None, false) => CookieState::SignedOut(Reason::NoCredentials),
        // A session cookie while the client says "signed out" is a leftover.
        (Some(_), false) => CookieState::SignedOut(Reason::SessionTokenWithoutClientUat),
        (None, true) => CookieState::NeedsHandshake(Reason::ClientUatWithoutSessionToken),
        (Some(token), true) => CookieState::Verify {
            token: token.clone(),
            client_uat: credentials.client_uat,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn cookie_suffix_is_eight_url_safe_characters_of_the_key_digest() {
        let suffix = cookie_suffix("pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk");
        assert_eq!(suffix.len(), 8);
        assert!(suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        // SHA-1("abc") = a9993e36… → base64 "qZk+NkcGgWq6…" → url-safe "qZk-NkcG".
        assert_eq!(cookie_suffix("abc"), "qZk-NkcG");
    }

    #[test]
    fn bearer_comes_first_then_the_suffixed_cookie_then_the_plain_one() {
        let h = headers(&[
            ("authorization", "Bearer tok_header"),
            (
                "cookie",
                "__session=tok_plain; __session_abcd1234=tok_suffixed; __client_uat=17",
            ),
        ]);
        let c = Credentials::from_headers(&h, Some("abcd1234"));
        assert_eq!(c.bearer.as_deref(), Some("tok_header"));
        assert_eq!(c.session_cookie.as_deref(), Some("tok_suffixed"));
        assert_eq!(c.client_uat, 17);

        let c = Credentials::from_headers(&h, Some("zzzzzzzz"));
        assert_eq!(
            c.session_cookie.as_deref(),
            Some("tok_plain"),
            "falls back to the plain name"
        );

        let h = headers(&[("authorization", "Basic dXNlcjpwYXNz"), ("cookie", "a=b")]);
        let c = Credentials::from_headers(&h, None);
        assert_eq!((c.bearer, c.session_cookie, c.client_uat), (None, None, 0));
    }

    #[test]
    fn cookies_split_across_headers_are_found() {
        let h = headers(&[
            ("cookie", "theme=dark"),
            ("cookie", "__client_uat=99; __clerk_redirect_count=2"),
        ]);
        let c = Credentials::from_headers(&h, None);
        assert_eq!((c.client_uat, c.redirect_count), (99, 2));
    }

    #[test]
    fn handshake_tokens_come_from_the_query_or_a_cookie() {
        let uri: Uri = "/dashboard?x=1&__clerk_handshake=tok_q&__clerk_help=1"
            .parse()
            .unwrap();
        let c = Credentials::from_request(
            &uri,
            &headers(&[("cookie", "__clerk_handshake=tok_c")]),
            None,
        );
        assert_eq!(
            c.handshake_token.as_deref(),
            Some("tok_q"),
            "the query wins"
        );
        let plain: Uri = "/dashboard".parse().unwrap();
        let c = Credentials::from_request(
            &plain,
            &headers(&[("cookie", "__clerk_handshake=tok_c")]),
            None,
        );
        assert_eq!(c.handshake_token.as_deref(), Some("tok_c"));
        assert_eq!(without_handshake_params(&uri), "/dashboard?x=1");
        assert_eq!(
            without_handshake_params(&"/?__clerk_handshake=t".parse().unwrap()),
            "/"
        );
        assert_eq!(without_handshake_params(&plain), "/dashboard");
    }

    #[test]
    fn dev_browsers_and_nonces_come_from_the_url_or_cookies_and_nonsense_is_absent() {
        let uri: Uri = "/dashboard?__clerk_db_jwt=dvb_url&__clerk_handshake_nonce=n1"
            .parse()
            .unwrap();
        let h = headers(&[(
            "cookie",
            "__clerk_db_jwt=dvb_plain; __clerk_db_jwt_abcd1234=dvb_suffixed; __clerk_handshake_nonce=n2",
        )]);
        let c = Credentials::from_request(&uri, &h, Some("abcd1234"));
        assert_eq!(c.dev_browser_in_url.as_deref(), Some("dvb_url"));
        assert_eq!(c.dev_browser.as_deref(), Some("dvb_suffixed"));
        assert_eq!(c.handshake_nonce.as_deref(), Some("n1"), "the query wins");
        let c = Credentials::from_request(&"/".parse().unwrap(), &h, Some("zzzzzzzz"));
        assert_eq!(c.dev_browser.as_deref(), Some("dvb_plain"));
        assert_eq!(c.dev_browser_in_url, None);
        assert_eq!(c.handshake_nonce.as_deref(), Some("n2"));

        // Nothing a token could be: empty, markup, percent-escapes, oversized.
        let long = "a".repeat(MAX_VALUE_BYTES + 1);
        for bad in ["", "%3Cscript%3E", "a<b", "x\"y", long.as_str()] {
            let uri: Uri = format!("/?__clerk_db_jwt={bad}&__clerk_handshake={bad}")
                .parse()
                .unwrap_or_else(|_| "/".parse().unwrap());
            let c = Credentials::from_request(&uri, &HeaderMap::new(), None);
            assert_eq!(c.dev_browser_in_url, None, "{bad:.20}");
            assert_eq!(c.handshake_token, None, "{bad:.20}");
        }
    }

    #[test]
    fn the_way_back_from_a_handshake_drops_every_handshake_parameter() {
        let uri: Uri = "/p?a=1&__clerk_db_jwt=d&__clerk_handshake_nonce=n&__clerk_handshake=t&__clerk_help=1&b=2"
            .parse()
            .unwrap();
        assert_eq!(without_handshake_params(&uri), "/p?a=1&b=2");
    }

    #[test]
    fn request_origins_come_from_host_and_forwarded_proto() {
        assert_eq!(
            request_origin(&headers(&[("host", "localhost:3000")])).as_deref(),
            Some("http://localhost:3000")
        );
        assert_eq!(
            request_origin(&headers(&[
                ("host", "app.example.com"),
                ("x-forwarded-proto", "https, http")
            ]))
            .as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(request_origin(&headers(&[("host", "evil.com/path")])), None);
        assert_eq!(request_origin(&headers(&[("host", "a.com@b.com")])), None);
        assert_eq!(request_origin(&HeaderMap::new()), None);
    }

    #[test]
    fn page_loads_are_document_gets() {
        assert!(is_page_load(
            &Method::GET,
            &headers(&[("sec-fetch-dest", "document")])
        ));
        assert!(!is_page_load(
            &Method::GET,
            &headers(&[("sec-fetch-dest", "empty"), ("accept", "text/html")])
        ));
        assert!(is_page_load(
            &Method::GET,
            &headers(&[("accept", "text/html,application/xhtml+xml")])
        ));
        assert!(!is_page_load(
            &Method::GET,
            &headers(&[("accept", "application/json")])
        ));
        assert!(!is_page_load(
            &Method::POST,
            &headers(&[("sec-fetch-dest", "document")])
        ));
    }

    #[test]
    fn cookie_decision_table() {
        let creds = |session: Option<&str>, uat: i64| Credentials {
            session_cookie: session.map(str::to_owned),
            client_uat: uat,
            ..Default::default()
        };
        assert_eq!(
            cookie_state(&creds(None, 0)),
            CookieState::SignedOut(Reason::NoCredentials)
        );
        assert_eq!(
            cookie_state(&creds(Some("t"), 0)),
            CookieState::SignedOut(Reason::SessionTokenWithoutClientUat)
        );
        assert_eq!(
            cookie_state(&creds(None, 5)),
            CookieState::NeedsHandshake(Reason::ClientUatWithoutSessionToken)
        );
        assert_eq!(
            cookie_state(&creds(Some("t"), 5)),
            CookieState::Verify {
                token: "t".into(),
                client_uat: 5
            }
        );
    }
}
