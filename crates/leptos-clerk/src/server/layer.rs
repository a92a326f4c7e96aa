//! The one axum layer that authenticates every request: computes `Auth` once,
//! sends page loads through Clerk's handshake when their cookies are stale,
//! enforces the app's route policy, and stores `Auth` in the request
//! extensions.

use super::{
    error::AuthError,
    policy::{is_under, Access, Policy, Rule},
    session::{Auth, Metadata, Session},
    token_cache::TokenCache,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    middleware::Next,
    response::{IntoResponse, Response},
};
use clerk_protocol::{
    backend::{BackendApi, API_VERSION},
    jwks::{CachePolicy, JwksCache, JwksFetcher},
    keys::{InstanceKind, PublishableKey, SecretKey},
    request::{
        cookie_state, cookie_suffix, form_return_path, is_page_load, request_origin,
        without_handshake_params, CookieState, Credentials, Reason, DEV_BROWSER, HANDSHAKE_NONCE,
        HANDSHAKE_TOKEN, MAX_HANDSHAKE_REDIRECTS, REDIRECT_COUNT_COOKIE,
    },
    verify::{unix_now, TokenError, Verifier},
};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::{sync::Arc, time::Duration};

/// What `encodeURIComponent` escapes: query values as Clerk's SDKs write them.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Clerk's settings as the layer needs them (an app copies them from
/// Clerk's dashboard, or from an embedded development instance).
#[derive(Debug, Clone)]
pub struct ClerkOptions {
    /// `pk_test_…`/`pk_live_…`; `None`: Clerk is not configured and every
    /// request is signed out.
    pub publishable_key: Option<PublishableKey>,
    /// `sk_…`: the JWKS from the Backend API, and handshake nonces.
    pub secret_key: Option<SecretKey>,
    /// A PEM public key for networkless verification (`CLERK_JWT_KEY`).
    pub jwt_key: Option<String>,
    /// The Backend API (`https://api.clerk.com`).
    pub api_url: String,
    /// Where browsers reach the frontend API when it is proxied through the
    /// app (`/__clerk`, or an absolute URL); the handshake goes there.
    pub proxy_url: Option<String>,
    /// Where a development instance embedded in the app is mounted: its
    /// pages, the handshake among them, are never sent through the
    /// handshake themselves.
    pub instance_path: Option<String>,
    /// Origins allowed in a token's `azp`; empty: not checked.
    pub authorized_parties: Vec<String>,
    /// Tolerance on `exp`/`nbf`/`iat`.
    pub clock_skew: Duration,
    /// The app's sign-in page: signed-out page loads the policy refuses go
    /// there, with `redirect_url` back.
    pub sign_in_url: String,
    /// Where signed-in page loads the policy refuses go (the app's page
    /// saying what is missing).
    pub unauthorized_url: String,
    /// Paths under it are an API: refusals are answered, not redirected.
    pub api_prefix: String,
}

impl Default for ClerkOptions {
    fn default() -> Self {
        ClerkOptions {
            publishable_key: None,
            secret_key: None,
            jwt_key: None,
            api_url: "https://api.clerk.com".into(),
            proxy_url: None,
            instance_path: None,
            authorized_parties: Vec::new(),
            clock_skew: Duration::from_secs(5),
            sign_in_url: "/sign-in".into(),
            unauthorized_url: "/unauthorized".into(),
            api_prefix: "/api".into(),
        }
    }
}

/// What the app does with what the layer observes and refuses: counting,
/// and answering in its own error format. Plain functions, so that the
/// layer stays cheap to share.
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    /// Each token check: `("valid", "cached" | "verified")` or
    /// `("invalid", reason)`.
    pub on_verification: fn(&'static str, &'static str),
    /// Each JWKS fetch: did it succeed?
    pub on_jwks_fetch: fn(bool),
    /// How an API refusal (and a page's that is neither "sign in" nor
    /// "not allowed") is answered. Default: [`AuthError`]'s own JSON.
    pub refusal: fn(AuthError) -> Response,
    /// Where a form posted without JavaScript comes back to after its
    /// lapsed session was renewed: given the form's action path, the
    /// request's origin and the form's page, the path to return to (the
    /// app may add a notice asking to send it again). Default: the page.
    pub form_return: fn(&str, &str, &str) -> String,
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks {
            on_verification: |_, _| {},
            on_jwks_fetch: |_| {},
            refusal: IntoResponse::into_response,
            form_return: |_, _, back| back.to_owned(),
        }
    }
}

/// Everything needed to authenticate a request for one Clerk instance:
/// the app's metadata `M` is read from each verified token, and its route
/// table's own requirements are `R`s.
pub struct AuthService<M, R = super::policy::NoRule> {
    verifier: Option<Verifier>,
    policy: Policy<R>,
    hooks: Hooks,
    unauthorized_url: String,
    api_prefix: String,
    cookie_suffix: Option<String>,
    frontend_api_url: Option<String>,
    /// Where browsers reach the frontend API when it is proxied.
    proxy_url: Option<String>,
    /// Where an embedded development instance is mounted.
    instance_path: Option<String>,
    sign_in_url: String,
    /// Tokens already verified, until they expire.
    verified: TokenCache<M>,
    /// Development keys with the frontend API on another site: the browser
    /// is known to it by a dev browser (`__clerk_db_jwt`), which page loads
    /// must carry and handshakes must forward.
    dev_browser: bool,
    /// Redeems `format=nonce` handshakes (needs the secret key); without it
    /// handshakes ask for the signed-token format.
    backend: Option<BackendApi>,
}

/// Why and how a page load goes through the frontend API's handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// Why (Clerk's reason names).
    pub reason: Reason,
    /// How many handshakes in a row this browser already went through.
    pub redirect_count: u32,
    /// The dev browser to hand to the frontend API (development keys).
    pub dev_browser: Option<String>,
}

/// What authenticating a request decided.
#[derive(Debug)]
pub enum Outcome<M> {
    /// Who is calling.
    Decided(Auth<M>),
    /// Send the browser to the frontend API for fresh cookies.
    Handshake(Handshake),
    /// The frontend API came back with a verified list of cookies to set.
    ResolveHandshake {
        /// `Set-Cookie` values.
        cookies: Vec<String>,
    },
}

impl<M: Metadata, R: Rule<M>> AuthService<M, R> {
    /// Builds the verifier Clerk's settings call for: a PEM key when set
    /// (no network), else the JWKS from the Backend API (with the secret
    /// key) or the frontend API. `Err` says which setting is unusable.
    pub fn new(
        clerk: &ClerkOptions,
        http: reqwest::Client,
        policy: Policy<R>,
    ) -> Result<Self, String> {
        Self::with_hooks(clerk, http, policy, Hooks::default())
    }

    /// As [`AuthService::new`], with the app's [`Hooks`].
    pub fn with_hooks(
        clerk: &ClerkOptions,
        http: reqwest::Client,
        policy: Policy<R>,
        hooks: Hooks,
    ) -> Result<Self, String> {
        let mut service = AuthService {
            verifier: None,
            policy,
            hooks,
            unauthorized_url: clerk.unauthorized_url.clone(),
            api_prefix: clerk.api_prefix.clone(),
            cookie_suffix: None,
            frontend_api_url: None,
            proxy_url: clerk.proxy_url.clone(),
            instance_path: clerk.instance_path.clone(),
            sign_in_url: clerk.sign_in_url.clone(),
            verified: TokenCache::default(),
            dev_browser: false,
            backend: None,
        };
        let Some(pk) = &clerk.publishable_key else {
            tracing::warn!("Clerk is not configured: every request is signed out");
            return Ok(service);
        };
        let issuer = pk.frontend_api_url();
        let parties = clerk.authorized_parties.clone();
        let verifier = match &clerk.jwt_key {
            Some(pem) => Verifier::with_pem(pem, &issuer, parties, clerk.clock_skew)
                .map_err(|e| format!("invalid CLERK_JWT_KEY: {e}"))?,
            None => {
                let fetcher = match &clerk.secret_key {
                    Some(sk) => JwksFetcher::backend_api(http.clone(), &clerk.api_url, sk.expose()),
                    None => JwksFetcher::frontend_api(http.clone(), &issuer),
                }
                .observed(hooks.on_jwks_fetch);
                let cache = Arc::new(JwksCache::new(fetcher, CachePolicy::default()));
                Verifier::with_jwks(cache, &issuer, parties, clerk.clock_skew)
            }
        };
        service.verifier = Some(verifier);
        // Clerk's own proxy is production-only; a development instance
        // reached through a path proxy (the embedded one) is same-origin,
        // its cookies first-party, and needs no dev browser.
        service.dev_browser = pk.kind() == InstanceKind::Test && clerk.proxy_url.is_none();
        service.backend = clerk
            .secret_key
            .as_ref()
            .map(|sk| BackendApi::new(http, &clerk.api_url, sk.expose()));
        service.cookie_suffix = Some(cookie_suffix(pk.as_str()));
        service.frontend_api_url = Some(issuer);
        Ok(service)
    }

    /// Decides who is calling, following Clerk's rules: a Bearer token is
    /// verified and never handshaken; cookies follow the decision table, and
    /// only page loads may be sent through the handshake (at most
    /// `MAX_HANDSHAKE_REDIRECTS` times in a row).
    pub async fn authenticate(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Outcome<M> {
        let Some(verifier) = &self.verifier else {
            return Outcome::Decided(Auth::SignedOut);
        };
        let creds = Credentials::from_request(uri, headers, self.cookie_suffix.as_deref());
        // Only a payload signed by the instance's key may set cookies; a
        // forged or expired one is ignored and the request goes on as usual.
        if let Some(token) = &creds.handshake_token {
            match verifier.verify_handshake(token).await {
                Ok(cookies) => return Outcome::ResolveHandshake { cookies },
                Err(err) => tracing::debug!(reason = %err, "handshake token rejected"),
            }
        }
        // A nonce is only a reference: the cookies come from the Backend
        // API, asked with the secret key; an unknown or spent one is
        // ignored as a forged token is.
        if let (Some(nonce), Some(backend)) = (&creds.handshake_nonce, &self.backend) {
            match backend.handshake_payload(nonce).await {
                Ok(cookies) => return Outcome::ResolveHandshake { cookies },
                Err(err) => tracing::debug!(reason = %err, "handshake nonce not redeemed"),
            }
        }
        if let Some(token) = &creds.bearer {
            return Outcome::Decided(match self.verify(verifier, token).await {
                Ok(session) => Auth::SignedIn(session),
                Err(err) => signed_out_for(err),
            });
        }

        // A page without JavaScript posting a form is a navigation too: its
        // token (60 s) has often lapsed while the user typed, and without a
        // script nothing renewed it.
        let may_handshake = self.frontend_api_url.is_some()
            && !self.is_proxied_frontend_api(uri.path())
            && (is_page_load(method, headers) || form_return_path(method, headers).is_some())
            && creds.redirect_count < MAX_HANDSHAKE_REDIRECTS;
        let handshake_or_signed_out = |reason: Reason| {
            if may_handshake {
                Outcome::Handshake(Handshake {
                    reason,
                    redirect_count: creds.redirect_count,
                    dev_browser: self
                        .dev_browser
                        .then(|| {
                            creds
                                .dev_browser_in_url
                                .clone()
                                .or(creds.dev_browser.clone())
                        })
                        .flatten(),
                })
            } else {
                tracing::debug!(reason = reason.as_str(), "signed out");
                Outcome::Decided(Auth::SignedOut)
            }
        };
        // Development keys, before the session cookies are looked at (as
        // Clerk's SDK does): a dev browser handed over in the URL is synced
        // into a cookie; a browser without one gets one.
        if self.dev_browser && may_handshake {
            if creds.dev_browser_in_url.is_some() {
                return handshake_or_signed_out(Reason::DevBrowserSync);
            }
            if creds.dev_browser.is_none() {
                return handshake_or_signed_out(Reason::DevBrowserMissing);
            }
        }
        match cookie_state(&creds) {
            CookieState::SignedOut(reason) => {
                tracing::debug!(reason = reason.as_str(), "signed out");
                Outcome::Decided(Auth::SignedOut)
            }
            CookieState::NeedsHandshake(reason) => handshake_or_signed_out(reason),
            CookieState::Verify { token, client_uat } => {
                match self.verify(verifier, &token).await {
                    Ok(session) if session.claims.iat.unwrap_or(0) < client_uat => {
                        handshake_or_signed_out(Reason::SessionTokenIatBeforeClientUat)
                    }
                    Ok(session) => Outcome::Decided(Auth::SignedIn(session)),
                    Err(TokenError::Expired) => {
                        handshake_or_signed_out(Reason::SessionTokenExpired)
                    }
                    Err(err) => Outcome::Decided(signed_out_for(err)),
                }
            }
        }
    }

    /// The session `token` stands for: from the cache when it was verified
    /// before (its claims checked again as of now), else verified in full
    /// and remembered.
    async fn verify(
        &self,
        verifier: &Verifier,
        token: &str,
    ) -> Result<Arc<Session<M>>, TokenError> {
        let (result, how) = self.verify_uncounted(verifier, token).await;
        match &result {
            Ok(_) => (self.hooks.on_verification)("valid", how),
            Err(err) => (self.hooks.on_verification)("invalid", err.reason()),
        }
        result
    }

    async fn verify_uncounted(
        &self,
        verifier: &Verifier,
        token: &str,
    ) -> (Result<Arc<Session<M>>, TokenError>, &'static str) {
        let key = TokenCache::<M>::key(token);
        let now = unix_now();
        if let Some(session) = self.verified.get(&key) {
            let result = match verifier.check_claims(&session.claims, now) {
                Ok(()) => Ok(session),
                Err(err) => {
                    self.verified.remove(&key);
                    Err(err)
                }
            };
            return (result, "cached");
        }
        let result = verifier.verify_at(token, now).await.map(|claims| {
            let session = Arc::new(Session::from_claims(claims));
            self.verified.insert(key, session.clone());
            session
        });
        (result, "verified")
    }

    /// Is `path` the frontend API reached through this app's own origin (a
    /// path proxy such as `/__clerk`, or an embedded development instance)?
    /// Its own pages — the handshake among them — are never sent through
    /// the handshake themselves.
    fn is_proxied_frontend_api(&self, path: &str) -> bool {
        [self.proxy_url.as_deref(), self.instance_path.as_deref()]
            .into_iter()
            .flatten()
            .filter(|prefix| prefix.starts_with('/'))
            .map(|prefix| prefix.trim_end_matches('/'))
            .any(|prefix| {
                path == prefix
                    || path
                        .strip_prefix(prefix)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
    }

    /// The route policy's verdict: `None` lets the request through.
    pub fn enforce(&self, auth: &Auth<M>, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
        for access in self.policy.requirements(uri.path()) {
            let verdict = match access {
                Access::Public => Ok(()),
                Access::SignedIn => auth.require().map(drop),
                Access::ActiveOrganization => auth.require_organization().map(drop),
                Access::Permission(permission) => auth.require_permission(permission).map(drop),
                Access::Require(rule) => auth.require().and_then(|s| rule.check(&s)),
            };
            if let Err(err) = verdict {
                return Some(self.deny(err, uri, headers));
            }
        }
        None
    }

    /// Is `path` under the app's API prefix (refusals answered, not
    /// redirected)?
    pub fn is_api_path(&self, path: &str) -> bool {
        is_under(path, &self.api_prefix)
    }

    fn deny(&self, err: AuthError, uri: &Uri, headers: &HeaderMap) -> Response {
        if self.is_api_path(uri.path()) {
            return (self.hooks.refusal)(err);
        }
        // Back here afterwards, less any handshake parameter or dev browser
        // (never carried on to the sign-in page).
        self.deny_page(err, &without_handshake_params(uri), headers)
    }

    /// A page refused: signed out goes to sign-in and back to `here` (a
    /// same-origin path), signed in without access to the unauthorized page.
    fn deny_page(&self, err: AuthError, here: &str, headers: &HeaderMap) -> Response {
        match err {
            AuthError::Unauthenticated => {
                // The return address is a path of this origin; it is made
                // absolute only when the sign-in page lives on another one.
                let back = if self.sign_in_url.starts_with('/') {
                    here.to_owned()
                } else {
                    match request_origin(headers) {
                        Some(origin) => format!("{origin}{here}"),
                        None => here.to_owned(),
                    }
                };
                let sep = if self.sign_in_url.contains('?') {
                    '&'
                } else {
                    '?'
                };
                let location = format!(
                    "{}{sep}redirect_url={}",
                    self.sign_in_url,
                    utf8_percent_encode(&back, URI_COMPONENT)
                );
                redirect(&location)
            }
            AuthError::Forbidden(_) | AuthError::UpgradeRequired(_) => {
                redirect(&self.unauthorized_url)
            }
            other => (self.hooks.refusal)(other),
        }
    }

    /// `307` to the frontend API's handshake, which sets fresh cookies and
    /// sends the browser back to this very URL.
    pub fn handshake_response(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        handshake: &Handshake,
    ) -> Option<Response> {
        // Back to this URL, less a dev browser it carried: the handshake
        // sets that as a cookie instead.
        self.handshake_to(&without_handshake_params(uri), headers, handshake)
    }

    /// `307` to the handshake, coming back to `return_to` (a path of this
    /// origin).
    fn handshake_to(
        &self,
        return_to: &str,
        headers: &HeaderMap,
        handshake: &Handshake,
    ) -> Option<Response> {
        let origin = request_origin(headers)?;
        // Through the proxy when there is one: its cookies live on the
        // origin the browser is actually using.
        let fapi = match &self.proxy_url {
            Some(proxy) if proxy.starts_with('/') => format!("{origin}{proxy}"),
            Some(proxy) => proxy.clone(),
            None => self.frontend_api_url.clone()?,
        };
        let here = format!("{origin}{return_to}");
        // As Clerk's SDK asks: the API version, that cookies are read
        // suffixed, why, the format (a nonce when the Backend API can redeem
        // it), and in development the browser's dev browser.
        let mut location = format!(
            "{fapi}/v1/client/handshake?redirect_url={}&__clerk_api_version={API_VERSION}\
             &suffixed_cookies=true&__clerk_hs_reason={}",
            utf8_percent_encode(&here, URI_COMPONENT),
            handshake.reason.as_str()
        );
        if self.backend.is_some() {
            location.push_str("&format=nonce");
        }
        if let Some(dev_browser) = &handshake.dev_browser {
            location.push_str(&format!("&{DEV_BROWSER}={dev_browser}"));
        }
        let mut response = redirect(&location);
        let counter = format!(
            "{REDIRECT_COUNT_COOKIE}={}; Path=/; Max-Age=3; HttpOnly; SameSite=Lax",
            handshake.redirect_count + 1
        );
        if let Ok(value) = HeaderValue::from_str(&counter) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        Some(response)
    }
}

impl<M: Metadata, R: Rule<M>> AuthService<M, R> {
    /// A form posted without JavaScript whose session token has lapsed
    /// (tokens live 60 s; no script renewed it while the user typed): the
    /// handshake renews it and the browser returns to the form's page —
    /// `303`, so it comes back with a GET: the post itself is not replayed
    /// (the app's `form_return` hook may add a notice asking to send it
    /// again).
    fn form_handshake(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        back: &str,
        handshake: &Handshake,
    ) -> Option<Response> {
        let origin = request_origin(headers)?;
        let return_to = (self.hooks.form_return)(uri.path(), &origin, back);
        self.handshake_to(&return_to, headers, handshake)
            .map(see_other)
    }
}

/// The same redirect as `303 See Other`: the browser follows it with a GET
/// (a `307` would re-send a form's POST to wherever it points).
fn see_other(mut response: Response) -> Response {
    if response.status().is_redirection() {
        *response.status_mut() = StatusCode::SEE_OTHER;
    }
    response
}

/// `307` back to the same URL (without the handshake parameters), setting
/// the cookies the frontend API signed or the Backend API returned, and
/// dropping the handshake cookies.
fn resolve_handshake(uri: &Uri, cookies: &[String]) -> Response {
    let mut response = redirect(&without_handshake_params(uri));
    let headers = response.headers_mut();
    for cookie in cookies.iter().filter(|c| is_clerk_cookie(c)) {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    for name in [HANDSHAKE_TOKEN, HANDSHAKE_NONCE] {
        let clear = format!("{name}=; Path=/; Max-Age=0");
        if let Ok(value) = HeaderValue::from_str(&clear) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Is this `Set-Cookie` value one of the cookies a handshake sets (the
/// session, the client's last change, the dev browser, each possibly
/// suffixed)? Nothing else is set on the app's origin from a handshake,
/// whoever answered it.
fn is_clerk_cookie(set_cookie: &str) -> bool {
    let name = set_cookie.split('=').next().unwrap_or_default().trim();
    ["__session", "__client_uat", DEV_BROWSER, "__refresh"]
        .iter()
        .any(|base| {
            name == *base
                || name
                    .strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .is_some_and(|suffix| {
                        !suffix.is_empty()
                            && suffix
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
                    })
        })
}

fn signed_out_for<M>(err: TokenError) -> Auth<M> {
    if err == TokenError::KeysUnavailable {
        tracing::warn!("session token not checked: Clerk's keys are unavailable");
        Auth::Unavailable
    } else {
        tracing::debug!(reason = %err, "session token rejected");
        Auth::SignedOut
    }
}

/// `307` to `location`, never cached: a handshake's step (the app's or the
/// frontend API's) depends on the browser's cookies at that moment.
fn redirect(location: &str) -> Response {
    clerk_protocol::request::handshake_redirect(location).into_response()
}

/// The middleware: `axum::middleware::from_fn_with_state(service, authenticate)`.
pub async fn authenticate<M: Metadata, R: Rule<M>>(
    State(service): State<Arc<AuthService<M, R>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let outcome = service
        .authenticate(request.method(), request.uri(), request.headers())
        .await;
    let form_back = form_return_path(request.method(), request.headers());
    let auth = match outcome {
        Outcome::Decided(auth) => auth,
        Outcome::ResolveHandshake { cookies } => return resolve_handshake(request.uri(), &cookies),
        Outcome::Handshake(handshake) => {
            let response = match &form_back {
                Some(back) => {
                    service.form_handshake(request.uri(), request.headers(), back, &handshake)
                }
                None => service.handshake_response(request.uri(), request.headers(), &handshake),
            };
            match response {
                Some(response) => return response,
                None => Auth::SignedOut,
            }
        }
    };
    if let Some(denied) = service.enforce(&auth, request.uri(), request.headers()) {
        // A page without JavaScript posted a form: answer as for a page, so
        // the browser lands somewhere it can act (sign-in and back to the
        // form's page), never on a bare JSON error.
        if let (Some(back), true) = (&form_back, service.is_api_path(request.uri().path())) {
            let err = auth
                .require()
                .err()
                .unwrap_or_else(|| AuthError::Forbidden(String::new()));
            return see_other(service.deny_page(err, back, request.headers()));
        }
        return denied;
    }
    request.extensions_mut().insert(auth);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    //! The layer's decision for each handshake reason it tells apart, with
    //! development keys (dev browsers) and production keys, networkless.
    use super::*;
    use crate::server::policy::NoRule;
    use clerk_protocol::mint::SigningKey;
    use std::sync::OnceLock;

    const HOST: &str = "clerk.layer.test";

    fn key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate("ins_layer").unwrap())
    }

    type Service = AuthService<(), NoRule>;

    fn service(kind: InstanceKind, proxy: Option<&str>) -> Service {
        service_with(kind, proxy, None)
    }

    fn service_with(kind: InstanceKind, proxy: Option<&str>, instance: Option<&str>) -> Service {
        let options = ClerkOptions {
            publishable_key: Some(PublishableKey::for_host(kind, HOST)),
            jwt_key: Some(key().public_pem()),
            proxy_url: proxy.map(str::to_owned),
            instance_path: instance.map(str::to_owned),
            ..ClerkOptions::default()
        };
        AuthService::new(&options, reqwest::Client::new(), Policy::none()).unwrap()
    }

    fn token(iat_ago: i64, lifetime: i64) -> String {
        let now = unix_now();
        key().sign(&serde_json::json!({
            "iss": format!("https://{HOST}"), "sub": "user_1", "sid": "sess_1",
            "iat": now - iat_ago, "nbf": now - iat_ago - 5, "exp": now - iat_ago + lifetime,
            "v": 2,
        }))
    }

    fn page(cookies: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("sec-fetch-dest", HeaderValue::from_static("document"));
        headers.insert(header::HOST, HeaderValue::from_static("app.test"));
        if !cookies.is_empty() {
            headers.insert(header::COOKIE, HeaderValue::from_str(cookies).unwrap());
        }
        headers
    }

    /// The handshake a page load gets, or `None` when it is decided.
    async fn handshake(service: &Service, uri: &str, cookies: &str) -> Option<Handshake> {
        let uri: Uri = uri.parse().unwrap();
        match service
            .authenticate(&Method::GET, &uri, &page(cookies))
            .await
        {
            Outcome::Handshake(handshake) => Some(handshake),
            Outcome::Decided(_) => None,
            Outcome::ResolveHandshake { .. } => panic!("nothing to resolve"),
        }
    }

    fn expect(reason: Reason, dev_browser: Option<&str>) -> Option<Handshake> {
        Some(Handshake {
            reason,
            redirect_count: 0,
            dev_browser: dev_browser.map(str::to_owned),
        })
    }

    #[tokio::test]
    async fn development_keys_tell_every_reason_apart() {
        let dev = service(InstanceKind::Test, None);
        let now = unix_now();
        let fresh = token(0, 60);
        let expired = token(120, 60);
        let cases: Vec<(&str, String, String, Option<Handshake>)> = vec![
            (
                "no dev browser, signed out",
                "/".into(),
                String::new(),
                expect(Reason::DevBrowserMissing, None),
            ),
            (
                "no dev browser, signed in",
                "/dashboard".into(),
                format!("__session={fresh}; __client_uat={now}"),
                expect(Reason::DevBrowserMissing, None),
            ),
            (
                "a dev browser in the URL wins over the cookie",
                "/?__clerk_db_jwt=dvb_url".into(),
                "__clerk_db_jwt=dvb_cookie".into(),
                expect(Reason::DevBrowserSync, Some("dvb_url")),
            ),
            (
                "signed out with a dev browser",
                "/".into(),
                "__clerk_db_jwt=dvb".into(),
                None,
            ),
            (
                "signed in with a dev browser",
                "/dashboard".into(),
                format!("__session={fresh}; __client_uat={now}; __clerk_db_jwt=dvb"),
                None,
            ),
            (
                "expired",
                "/dashboard".into(),
                format!(
                    "__session={expired}; __client_uat={}; __clerk_db_jwt=dvb",
                    now - 300
                ),
                expect(Reason::SessionTokenExpired, Some("dvb")),
            ),
            (
                "client signed in, no token",
                "/dashboard".into(),
                format!("__client_uat={now}; __clerk_db_jwt=dvb"),
                expect(Reason::ClientUatWithoutSessionToken, Some("dvb")),
            ),
            (
                "token older than the client's last change",
                "/dashboard".into(),
                format!(
                    "__session={}; __client_uat={now}; __clerk_db_jwt=dvb",
                    token(30, 60)
                ),
                expect(Reason::SessionTokenIatBeforeClientUat, Some("dvb")),
            ),
        ];
        for (what, uri, cookies, expected) in cases {
            assert_eq!(handshake(&dev, &uri, &cookies).await, expected, "{what}");
        }

        // Never for scripts, never past the loop guard, never on the
        // instance's own paths.
        let uri: Uri = "/api/session".parse().unwrap();
        let mut script = HeaderMap::new();
        script.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(matches!(
            dev.authenticate(&Method::GET, &uri, &script).await,
            Outcome::Decided(Auth::SignedOut)
        ));
        assert_eq!(
            handshake(&dev, "/", "__clerk_redirect_count=3").await,
            None,
            "loop guard"
        );
    }

    #[tokio::test]
    async fn production_keys_and_proxied_instances_keep_no_dev_browser() {
        let now = unix_now();
        for (what, service) in [
            ("production", service(InstanceKind::Live, None)),
            ("proxied", service(InstanceKind::Test, Some("/__clerk"))),
        ] {
            assert_eq!(handshake(&service, "/", "").await, None, "{what}");
            assert_eq!(
                handshake(&service, "/?__clerk_db_jwt=dvb", "").await,
                None,
                "{what}: a dev browser in the URL means nothing"
            );
            assert_eq!(
                handshake(
                    &service,
                    "/dashboard",
                    &format!("__client_uat={now}; __clerk_db_jwt=dvb")
                )
                .await,
                expect(Reason::ClientUatWithoutSessionToken, None),
                "{what}: nothing forwarded"
            );
        }
        // The frontend API's own pages, proxied or an embedded instance's
        // (standalone: development keys, no proxy), are never handshaken.
        for (what, service) in [
            ("proxied", service(InstanceKind::Test, Some("/__clerk"))),
            (
                "embedded",
                service_with(InstanceKind::Test, None, Some("/__clerk")),
            ),
        ] {
            assert_eq!(
                handshake(
                    &service,
                    "/__clerk/v1/client/handshake",
                    &format!("__client_uat={now}")
                )
                .await,
                None,
                "{what}"
            );
        }
        assert_eq!(
            handshake(
                &service(InstanceKind::Test, None),
                "/__clerk/v1/client/handshake",
                ""
            )
            .await,
            expect(Reason::DevBrowserMissing, None),
            "only because it is the instance's"
        );
    }

    #[test]
    fn handshakes_set_clerks_cookies_only() {
        for ok in [
            "__session=t; Path=/",
            "__session_abc-_12=t",
            "__client_uat=1",
            "__clerk_db_jwt=d",
            "__clerk_db_jwt_x1=d",
            "__refresh=r",
        ] {
            assert!(is_clerk_cookie(ok), "{ok}");
        }
        for bad in [
            "theme=dark",
            "__session_=t",
            "__sessionx=t",
            "__Host-app=1",
            "__session_a;b=1",
            "",
        ] {
            assert!(!is_clerk_cookie(bad), "{bad}");
        }
    }
}
