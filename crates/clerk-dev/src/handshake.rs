//! The development instance's handshake and dev browsers: how an app's
//! server gets fresh session cookies for a page load, in each of Clerk's
//! shapes.
//!
//! - `GET /v1/client/handshake?redirect_url=…` (frontend API): finds the
//!   browser's client — by the dev browser the app forwarded
//!   (`__clerk_db_jwt`), else by the instance's own `__client` cookie —
//!   and sends the browser back to `redirect_url` (the app's origin only)
//!   with the cookies to set: as `Set-Cookie` headers when the app is on
//!   this same origin and asked for no format (the embedded default), as a
//!   signed `__clerk_handshake` token (`format=token`, or another origin),
//!   or as a one-time `__clerk_handshake_nonce` (`format=nonce`) that the
//!   app's server redeems through the Backend API.
//! - `GET /v1/clients/handshake_payload?nonce=…` (Backend API, secret key):
//!   the cookie list a nonce stands for, once.
//! - `POST /v1/dev_browser` (frontend API): a new dev browser. A dev
//!   browser *is* a client here: its value is the client's secret
//!   credential (the `__client` cookie's value), so a request carrying it
//!   in the query (as clerk-js sends it to a frontend API on another site)
//!   acts as that client, and a forged or foreign one matches none and is
//!   refused with Clerk's `dev_browser_unauthenticated`.

use super::{
    api_error::ClerkApiError,
    frontend::{current_client_id, mint, CLIENT_COOKIE},
    state::DevState,
    store,
};
use axum::{
    extract::{Query, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use clerk_protocol::{
    redirect::same_origin,
    request::{
        cookie_suffix, handshake_redirect, query_param, request_origin, DEV_BROWSER,
        HANDSHAKE_NONCE, HANDSHAKE_TOKEN,
    },
};
use serde::Deserialize;
use serde_json::{json, Value};

/// How long a `__clerk_handshake` token is valid.
const HANDSHAKE_TOKEN_SECS: i64 = 60;
/// The response header that hands a browser its (new) dev browser.
pub const DEV_BROWSER_HEADER: &str = "Clerk-Db-Jwt";

/// Marks a request that came in through the standalone listener (`standalone`): the
/// frontend API then wants a dev browser on every call, as Clerk's does.
#[derive(Debug, Clone, Copy)]
pub struct ViaStandalone;

/// Clerk's answer to a missing, forged or unknown dev browser (clerk-js
/// then makes a new one).
fn dev_browser_unauthenticated() -> ClerkApiError {
    ClerkApiError::new(
        StatusCode::UNAUTHORIZED,
        "dev_browser_unauthenticated",
        "Browser unauthenticated",
        "Unable to authenticate this browser for your development instance. \
         Check that your Clerk cookies are enabled.",
    )
}

/// `POST /v1/dev_browser`: a new client, whose credential is the dev
/// browser (`{"id": …}`, as Clerk answers).
pub async fn create_dev_browser(State(state): State<DevState>) -> Result<Response, ClerkApiError> {
    let (_, credential) = new_dev_browser(&state).await?;
    let mut response = Json(json!({
        "object": "dev_browser",
        "id": credential,
    }))
    .into_response();
    // Never cached, never a cookie of this origin: the browser keeps it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Middleware on the frontend API: a request carrying a dev browser in its
/// query acts as that dev browser's client (it stands in for the
/// `__client` cookie, which a frontend API on another site never gets); a
/// client the handler creates is handed back in `Clerk-Db-Jwt` instead of
/// a cookie. An unknown dev browser is refused before any handler runs.
pub async fn dev_browser_client(
    State(state): State<DevState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(dev_browser) = query_param(request.uri(), DEV_BROWSER) else {
        // On an origin of its own, as Clerk's development instances, every
        // call but the one that makes a dev browser needs one.
        let standalone = request.extensions().get::<ViaStandalone>().is_some();
        if standalone && !request.uri().path().ends_with("/v1/dev_browser") {
            return dev_browser_unauthenticated().into_response();
        }
        return next.run(request).await;
    };
    match store::client_from_cookie(&state.db, &dev_browser).await {
        Ok(Some(_)) => {}
        Ok(None) => return dev_browser_unauthenticated().into_response(),
        Err(err) => return ClerkApiError::from(err).into_response(),
    }
    replace_cookie(request.headers_mut(), CLIENT_COOKIE, &dev_browser);
    let mut response = next.run(request).await;
    client_cookie_to_header(&mut response);
    response
}

/// Replaces `name` among the request's cookies with `value`.
fn replace_cookie(headers: &mut HeaderMap, name: &str, value: &str) {
    let mut kept: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(name))
        .map(str::to_owned)
        .collect();
    kept.push(format!("{name}={value}"));
    headers.remove(header::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&kept.join("; ")) {
        headers.insert(header::COOKIE, value);
    }
}

/// A `Set-Cookie: __client=…` becomes `Clerk-Db-Jwt: …`.
fn client_cookie_to_header(response: &mut Response) {
    let prefix = format!("{CLIENT_COOKIE}=");
    let headers = response.headers_mut();
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    let Some(client) = cookies.iter().find_map(|v| {
        v.to_str()
            .ok()?
            .strip_prefix(&prefix)?
            .split(';')
            .next()
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    }) else {
        return;
    };
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        if !cookie.to_str().is_ok_and(|c| c.starts_with(&prefix)) {
            headers.append(header::SET_COOKIE, cookie);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&client) {
        headers.insert(DEV_BROWSER_HEADER, value);
    }
}

#[derive(Deserialize)]
pub struct HandshakeQuery {
    redirect_url: Option<String>,
    format: Option<String>,
    #[serde(rename = "__clerk_db_jwt")]
    dev_browser: Option<String>,
    #[serde(rename = "__clerk_hs_reason")]
    reason: Option<String>,
}

/// How the cookies travel back to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `Set-Cookie` on the redirect (same origin only).
    Cookies,
    /// A signed `__clerk_handshake` token in the query.
    Token,
    /// A `__clerk_handshake_nonce` in the query.
    Nonce,
}

/// `GET /v1/client/handshake`.
pub async fn handshake(
    State(state): State<DevState>,
    headers: HeaderMap,
    Query(query): Query<HandshakeQuery>,
) -> Result<Response, ClerkApiError> {
    let origin = request_origin(&headers)
        .ok_or_else(|| ClerkApiError::invalid("host", "The request has no usable Host header."))?;
    // Back to the app only: this origin (the instance mounted in the app)
    // or the app's own (the instance on an origin of its own).
    let app_origin = state.instance.app_url().to_owned();
    let (back_origin, path) = query
        .redirect_url
        .as_deref()
        .and_then(|target| {
            [&origin, &app_origin]
                .into_iter()
                .find_map(|o| same_origin(target, o).map(|path| (o.clone(), path)))
        })
        .ok_or_else(|| {
            ClerkApiError::invalid(
                "redirect_url",
                "redirect_url must be a URL of the application.",
            )
        })?;
    let mut back = reqwest::Url::parse(&format!("{back_origin}{path}"))
        .map_err(|_| ClerkApiError::invalid("redirect_url", "redirect_url is not a URL."))?;
    let format = match query.format.as_deref() {
        Some("nonce") => Format::Nonce,
        Some("token") => Format::Token,
        Some(_) => {
            return Err(ClerkApiError::invalid(
                "format",
                "format is token or nonce.",
            ))
        }
        None if back_origin == origin => Format::Cookies,
        None => Format::Token,
    };

    // The browser's client: the dev browser the app forwarded, else this
    // origin's client cookie. A forged or foreign dev browser never
    // stands for anyone's client: the browser gets a new, signed-out one.
    let forwarded = match &query.dev_browser {
        Some(token) => store::client_from_cookie(&state.db, token)
            .await?
            .map(|client| (client, token.clone())),
        None => None,
    };
    // A dev browser is made when the app needs one: it said so, or it is
    // on another origin (where the instance's own cookie never reaches).
    let wants_dev_browser =
        query.reason.as_deref() == Some("dev-browser-missing") || back_origin != origin;
    let (client, dev_browser) = match (&query.dev_browser, forwarded) {
        (_, Some((client, token))) => (Some(client), Some(token)),
        (Some(_), None) => new_dev_browser(&state).await?,
        (None, None) => match current_client_id(&state, &headers).await? {
            Some(client) => (Some(client), None),
            None if wants_dev_browser => new_dev_browser(&state).await?,
            None => (None, None),
        },
    };

    let session = match &client {
        Some(client) => store::active_sessions(&state.db, client)
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    // `__client_uat` is when the client last changed, not "now": a token
    // minted after that (this one) is never older than it, even when the
    // clock ticks into the next second between the two.
    let (token, client_uat) = match &session {
        Some(session) => (
            Some(mint(&state, session, Some(back_origin.clone())).await?),
            store::client_updated_at(&state.db, &session.client_id)
                .await?
                .map_or(0, |ms| ms / 1000),
        ),
        None => (None, 0),
    };
    let secure = back_origin.starts_with("https://");
    let suffix = cookie_suffix(state.instance.publishable_key().as_str());
    let directives = directives(
        &suffix,
        token.as_deref(),
        client_uat,
        dev_browser.as_deref(),
        secure,
    );

    // On this same origin the way back is a path, as the app gave it.
    let location = |back: &reqwest::Url| match back.as_str().strip_prefix(&origin) {
        Some(path) if back_origin == origin => path.to_owned(),
        _ => back.to_string(),
    };
    let mut response = match format {
        Format::Cookies => handshake_redirect(&location(&back)).into_response(),
        Format::Token => {
            let now = clerk_protocol::verify::unix_now();
            let signed = state.instance.signing_key().sign(&json!({
                "handshake": directives,
                "iat": now,
                "exp": now + HANDSHAKE_TOKEN_SECS,
            }));
            back.query_pairs_mut().append_pair(HANDSHAKE_TOKEN, &signed);
            handshake_redirect(&location(&back)).into_response()
        }
        Format::Nonce => {
            let nonce = state.handshake_nonces.issue(directives.clone());
            back.query_pairs_mut().append_pair(HANDSHAKE_NONCE, &nonce);
            handshake_redirect(&location(&back)).into_response()
        }
    };
    if format == Format::Cookies {
        for directive in &directives {
            if let Ok(value) = HeaderValue::from_str(directive) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
    }
    Ok(response)
}

/// The `Set-Cookie` values that sign the app's origin in (or out): each
/// cookie under its plain and its suffixed name, as Clerk's handshake sets
/// them — clerk-js 6 writes both, and a server that prefers the suffixed
/// copy must not be left reading a stale one.
fn directives(
    suffix: &str,
    session_token: Option<&str>,
    client_uat: i64,
    dev_browser: Option<&str>,
    secure: bool,
) -> Vec<String> {
    let secure = if secure { "; Secure" } else { "" };
    let mut out = Vec::new();
    let (token, lifetime) = match session_token {
        Some(token) => (token, ""),
        None => ("", "; Max-Age=0"),
    };
    for name in ["__session".to_owned(), format!("__session_{suffix}")] {
        out.push(format!(
            "{name}={token}; Path=/{lifetime}; SameSite=Lax{secure}"
        ));
    }
    for name in ["__client_uat".to_owned(), format!("__client_uat_{suffix}")] {
        out.push(format!(
            "{name}={client_uat}; Path=/; Max-Age=315360000; SameSite=Lax{secure}"
        ));
    }
    if let Some(dev_browser) = dev_browser {
        for name in [DEV_BROWSER.to_owned(), format!("{DEV_BROWSER}_{suffix}")] {
            out.push(format!(
                "{name}={dev_browser}; Path=/; Max-Age=315360000; SameSite=Lax{secure}"
            ));
        }
    }
    out
}

/// A new client and its credential, which becomes the browser's dev browser.
async fn new_dev_browser(
    state: &DevState,
) -> Result<(Option<String>, Option<String>), ClerkApiError> {
    let (client, credential) = store::create_client(&state.db).await?;
    Ok((Some(client), Some(credential)))
}

#[derive(Deserialize)]
pub struct PayloadQuery {
    nonce: Option<String>,
}

/// `GET /v1/clients/handshake_payload?nonce=…` (Backend API).
pub async fn handshake_payload(
    State(state): State<DevState>,
    Query(query): Query<PayloadQuery>,
) -> Result<Json<Value>, ClerkApiError> {
    let nonce = query
        .nonce
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ClerkApiError::invalid("nonce", "nonce is required."))?;
    let directives = state
        .handshake_nonces
        .redeem(&nonce)
        .ok_or_else(|| ClerkApiError::not_found("handshake payload"))?;
    Ok(Json(json!({ "directives": directives })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_set_both_names_and_sign_out_clears_the_session() {
        let signed_in = directives("abcd1234", Some("jwt"), 17, Some("client_1.s"), true);
        assert!(signed_in.contains(&"__session=jwt; Path=/; SameSite=Lax; Secure".to_owned()));
        assert!(signed_in
            .iter()
            .any(|d| d.starts_with("__session_abcd1234=jwt;")));
        assert!(signed_in
            .iter()
            .any(|d| d.starts_with("__client_uat_abcd1234=17;")));
        assert!(signed_in
            .iter()
            .any(|d| d.starts_with("__clerk_db_jwt_abcd1234=client_1.s;")));
        let signed_out = directives("abcd1234", None, 0, None, false);
        assert!(signed_out.contains(&"__session=; Path=/; Max-Age=0; SameSite=Lax".to_owned()));
        assert!(signed_out.iter().all(|d| !d.contains("Secure")));
        assert!(signed_out.iter().all(|d| !d.starts_with(DEV_BROWSER)));
    }

    #[test]
    fn a_new_client_cookie_is_handed_back_as_the_dev_browser_header() {
        let mut response = StatusCode::OK.into_response();
        let h = response.headers_mut();
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("theme=dark; Path=/"),
        );
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("__client=client_2.secret; Path=/__clerk; HttpOnly"),
        );
        client_cookie_to_header(&mut response);
        let h = response.headers();
        assert_eq!(h.get(DEV_BROWSER_HEADER).unwrap(), "client_2.secret");
        let cookies: Vec<_> = h.get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(cookies, vec!["theme=dark; Path=/"]);
    }

    #[test]
    fn the_dev_browser_replaces_any_client_cookie() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; __client=other.x"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        replace_cookie(&mut h, CLIENT_COOKIE, "client_1.s");
        assert_eq!(
            h.get(header::COOKIE).unwrap(),
            "a=1; b=2; __client=client_1.s"
        );
    }
}
