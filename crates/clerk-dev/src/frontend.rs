//! The development instance's frontend API subset (same origin, under
//! `/__clerk`): the HttpOnly `__client` cookie, the client object,
//! starting a session, the password check (with its temporary lockout)
//! that sign-in and reverification share, sign-out, session-token minting
//! and refresh, reverification, the account's name, primary address and
//! deleting one's own account. Sign-in's routes are `frontend_sign_ins`'s,
//! sign-up's `frontend_sign_ups`'s, further addresses `frontend_emails`'s,
//! the handshake that refreshes the app's cookies `handshake`'s.

use super::{
    api_error::ClerkApiError,
    codes::{self, OneTimeCode},
    email_addresses::{self, EmailError},
    mailbox, orgs,
    state::DevState,
    store::{self, SessionInfo, StoreError},
    MOUNT,
};
use crate::db::now_millis;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, patch, post},
    Json, Router,
};
use clerk_protocol::{
    request::{cookie, request_origin},
    verify::unix_now,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// The browser's client cookie (HttpOnly; only the instance reads it).
pub const CLIENT_COOKIE: &str = "__client";
/// Session tokens live this long, as Clerk's do.
pub const TOKEN_LIFETIME_SECS: i64 = 60;
/// Failed sign-ins allowed within `LOCKOUT_WINDOW_MS` before a lockout.
pub const MAX_FAILURES: usize = 5;
pub const LOCKOUT_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Passwords refused however long they are.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password123",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "qwerty123",
    "iloveyou",
    "11111111",
    "00000000",
    "abc12345",
    "letmein1",
    "welcome1",
    "admin123",
    "sunshine",
    "football",
    "baseball",
    "princess",
    "passw0rd",
    "trustno1",
    "superman",
    "dragon12",
];

/// Routes relative to the mount point (`/__clerk`).
pub fn router<S: Clone + Send + Sync + 'static>(state: DevState) -> Router<S> {
    Router::new()
        .route("/v1/client", get(current_client))
        .route("/v1/client/sessions/{id}/tokens", post(token))
        .route("/v1/client/sessions/{id}/end", post(end_session))
        .route("/v1/client/sessions/{id}/remove", post(remove_session))
        .route(
            "/v1/client/sessions",
            axum::routing::delete(end_all_sessions).post(end_all_sessions_with_override),
        )
        .route("/v1/client/sessions/{id}/touch", post(touch_session))
        .route("/v1/client/sessions/{id}/verify", post(start_verification))
        .route(
            "/v1/client/sessions/{id}/verify/attempt_first_factor",
            post(attempt_first_factor),
        )
        .route(
            "/v1/me",
            patch(update_me).delete(delete_me).post(me_with_override),
        )
        .route("/v1/me/sessions/active", get(my_active_sessions))
        .route("/v1/me/sessions/{id}/revoke", post(revoke_my_session))
        .with_state(state)
}

/// Where the request comes from, recorded on the sessions it starts: the
/// `User-Agent` and the client address the proxy-aware layer resolved.
impl axum::extract::FromRequestParts<DevState> for store::Activity {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &DevState,
    ) -> Result<Self, Self::Rejection> {
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            // A bound on what one request can make the store keep.
            .map(|ua| ua.chars().take(512).collect());
        let ip_address = state
            .host
            .client_address(&parts.extensions)
            .map(|ip| ip.to_string());
        Ok(store::Activity {
            user_agent,
            ip_address,
        })
    }
}

fn is_https(headers: &HeaderMap) -> bool {
    request_origin(headers).is_some_and(|o| o.starts_with("https://"))
}

fn set_cookie(response: &mut Response, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn client_cookie_header(value: &str, headers: &HeaderMap) -> String {
    let secure = if is_https(headers) { "; Secure" } else { "" };
    format!(
        "{CLIENT_COOKIE}={value}; Path={MOUNT}; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}"
    )
}

/// The client this browser presents, if its cookie is genuine.
pub(super) async fn current_client_id(
    state: &DevState,
    headers: &HeaderMap,
) -> Result<Option<String>, StoreError> {
    match cookie(headers, CLIENT_COOKIE) {
        Some(value) => store::client_from_cookie(&state.db, &value).await,
        None => Ok(None),
    }
}

/// Clerk's client object: the browser's active sessions with their users,
/// each with a fresh session token (`last_active_token`, which clerk-js
/// sets as the `__session` cookie), and any sign-in waiting for its
/// password.
pub(super) async fn client_json(
    state: &DevState,
    client_id: &str,
    headers: &HeaderMap,
) -> Result<Value, ClerkApiError> {
    let mut sessions = Vec::new();
    for session in store::active_sessions(&state.db, client_id).await? {
        if let Some(user) = store::get_user(&state.db, &session.user_id).await? {
            let jwt = mint(state, &session, requesting_origin(headers)).await?;
            let memberships = orgs::memberships_of(&state.db, &user.id).await?;
            // The active organization, while the user still belongs to it.
            let active_org = memberships
                .iter()
                .find(|m| Some(&m.organization_id) == session.active_organization_id.as_ref())
                .map(|m| m.organization_id.clone());
            let mut user_object = user.to_frontend_json();
            user_object["organization_memberships"] =
                memberships.iter().map(orgs::Membership::to_json).collect();
            sessions.push(json!({
                "object": "session", "id": session.id, "status": session.status,
                "expire_at": session.expire_at,
                "abandon_at": session.expire_at,
                "last_active_at": now_millis(),
                "last_active_organization_id": active_org,
                "actor": null,
                "factor_verification_age": [store::factor_age_minutes(session.factor_verified_at), -1],
                "last_active_token": {"object": "token", "jwt": jwt},
                "public_user_data": {
                    "first_name": user.first_name, "last_name": user.last_name,
                    "image_url": null, "has_image": false,
                    "identifier": user.primary_email(),
                },
                "user": user_object,
                "created_at": session.created_at, "updated_at": now_millis(),
            }));
        }
    }
    let last_active = sessions
        .first()
        .and_then(|s| s["id"].as_str())
        .map(str::to_owned);
    let updated_at = store::client_updated_at(&state.db, client_id).await?;
    let sign_in = state
        .pending_sign_ins
        .get(client_id)
        .map_or(Value::Null, |p| p.to_json());
    let sign_up = state
        .pending_sign_ups
        .get(client_id)
        .map_or(Value::Null, |p| p.to_json());
    Ok(json!({
        "object": "client", "id": client_id, "sessions": sessions,
        "sign_in": sign_in, "sign_up": sign_up,
        "last_active_session_id": last_active, "updated_at": updated_at,
    }))
}

async fn current_client(
    State(state): State<DevState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    // Clerk's envelope: the resource asked for as `response`, and the client
    // piggybacked as on every answer (here the same object).
    let client = match current_client_id(&state, &headers).await? {
        Some(id) => client_json(&state, &id, &headers).await?,
        None => Value::Null,
    };
    Ok(Json(json!({ "response": client, "client": client })))
}

/// This browser's client, or a new one with the cookie value to set.
pub(super) async fn client_or_new(
    state: &DevState,
    headers: &HeaderMap,
) -> Result<(String, Option<String>), ClerkApiError> {
    Ok(match current_client_id(state, headers).await? {
        Some(id) => (id, None),
        None => {
            let (id, cookie) = store::create_client(&state.db).await?;
            (id, Some(cookie))
        }
    })
}

/// `response`, setting the `__client` cookie when the client is new.
pub(super) fn with_client_cookie(
    mut response: Response,
    new_cookie: Option<String>,
    headers: &HeaderMap,
) -> Response {
    if let Some(cookie) = new_cookie {
        set_cookie(&mut response, client_cookie_header(&cookie, headers));
    }
    response
}

/// A fresh code of `purpose` for `email`, within the address's ration of
/// codes, and the mailbox message that carries it ("<code> is your <app>
/// <what>", then `body(code, app)`). Clerk's test addresses get no message
/// (their code is 424242).
pub(super) async fn send_code(
    state: &DevState,
    purpose: codes::Purpose,
    email: &str,
    what: &str,
    body: impl FnOnce(&str, &str) -> String,
) -> Result<OneTimeCode, ClerkApiError> {
    state.code_sends.charge(purpose, email)?;
    let code = OneTimeCode::new(email);
    if !codes::is_test_address(email) {
        let app = &state.instance.settings().app_name;
        mailbox::send(
            &state.db,
            mailbox::Outgoing {
                to: email,
                subject: format!("{} is your {app} {what}", code.expose()),
                body: body(code.expose(), app),
                code: Some(code.expose()),
                link: None,
            },
        )
        .await?;
    }
    Ok(code)
}

/// An email-address change refused, in Clerk's codes.
pub(super) fn email_error(err: EmailError) -> ClerkApiError {
    match err {
        EmailError::Store(err) => err.into(),
        EmailError::NotFound => ClerkApiError::not_found("Email address"),
        EmailError::Taken => form_error(
            "form_identifier_exists",
            "That email address is taken. Please try another.",
        )
        .for_param("email_address"),
        EmailError::Primary => form_error(
            "form_param_value_invalid",
            "Your primary email address cannot be removed. Make another one primary first.",
        ),
        EmailError::Unverified => form_error(
            "form_param_value_invalid",
            "Verify this email address before making it primary.",
        ),
    }
}

/// Starts a session for `user_id` on this browser's client (creating the
/// client when needed) and answers as Clerk does, in its envelope: the
/// completed sign-in or sign-up (`attempt`, given the new session's id) and
/// the client, setting the client's cookie.
pub(super) async fn start_session(
    state: &DevState,
    headers: &HeaderMap,
    activity: &store::Activity,
    user_id: &str,
    attempt: impl FnOnce(&str) -> Value,
) -> Result<Response, ClerkApiError> {
    let (client_id, new_cookie) = client_or_new(state, headers).await?;
    let session = store::create_session(&state.db, user_id, &client_id, activity).await?;
    store::mark_signed_in(&state.db, user_id).await?;
    // The client's sign-in or sign-up, if one was waiting, is done.
    state.pending_sign_ins.0.remove(&client_id);
    state.pending_sign_ups.remove(&client_id);
    let session_id = session["id"].as_str().unwrap_or_default();
    let body = json!({
        "response": attempt(session_id),
        "client": client_json(state, &client_id, headers).await?,
    });
    Ok(with_client_cookie(
        Json(body).into_response(),
        new_cookie,
        headers,
    ))
}

/// 401 `signed_out`: the browser holds no usable session.
fn signed_out(long_message: &str) -> ClerkApiError {
    ClerkApiError::new(
        StatusCode::UNAUTHORIZED,
        "signed_out",
        "Signed out",
        long_message,
    )
}

/// Names are at most 256 characters (as Clerk allows), without control characters.
pub(super) fn check_names(names: [&Option<String>; 2]) -> Result<(), ClerkApiError> {
    if names
        .iter()
        .any(|n| n.as_ref().is_some_and(|n| n.chars().count() > 256))
    {
        return Err(form_error(
            "form_param_max_length_exceeded",
            "Names are at most 256 characters.",
        ));
    }
    // As organization names: PostgreSQL refuses NUL in text (a 500).
    if names
        .iter()
        .any(|n| n.as_ref().is_some_and(|n| n.chars().any(char::is_control)))
    {
        return Err(form_error(
            "form_param_format_invalid",
            "Names cannot contain control characters.",
        ));
    }
    Ok(())
}

/// A form validation error (422), worded for the person filling the form.
pub(super) fn form_error(code: &'static str, message: &str) -> ClerkApiError {
    ClerkApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message, message)
}

/// The shortest password the instance accepts (its environment says so).
pub const MIN_PASSWORD_LENGTH: usize = 8;

/// Clerk-style password rules: at least 8 characters, not a common password.
pub fn check_password(password: &str) -> Result<(), ClerkApiError> {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(form_error(
            "form_password_length_too_short",
            "Passwords must be 8 characters or more.",
        ));
    }
    if COMMON_PASSWORDS.contains(&password.to_lowercase().as_str()) {
        return Err(form_error(
            "form_password_pwned",
            "This password is too common. Please choose another one.",
        ));
    }
    Ok(())
}

/// Charges a password attempt to the email's own budget. The address is
/// charged by the rate-limit layer; this is per account, so guesses at one
/// password spread over many addresses are slowed too.
pub(super) async fn charge_identifier(
    state: &DevState,
    email: &str,
    path: &str,
) -> Result<(), Response> {
    state.host.charge_sign_in_attempt(email, path).await
}

/// 429 `user_locked` after too many failures in the window.
pub(super) async fn check_lockout(state: &DevState, email: &str) -> Result<(), ClerkApiError> {
    let failures =
        store::recent_failures(&state.db, email, now_millis() - LOCKOUT_WINDOW_MS).await?;
    if failures.len() >= MAX_FAILURES {
        let unlock_in_ms =
            failures[failures.len() - MAX_FAILURES] + LOCKOUT_WINDOW_MS - now_millis();
        let minutes = (unlock_in_ms.max(0) + 59_999) / 60_000;
        return Err(ClerkApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "user_locked",
            "Account locked",
            format!("Too many failed attempts. Try again in {minutes} minute(s)."),
        ));
    }
    Ok(())
}

/// The user, if `password` is theirs (hashing off the async threads).
pub(super) async fn verify_password(
    user: Option<store::DevUser>,
    password: String,
) -> Option<store::DevUser> {
    let user = user?;
    let candidate = user.clone();
    let ok = tokio::task::spawn_blocking(move || candidate.password_matches(&password))
        .await
        .unwrap_or(false);
    ok.then_some(user)
}

/// Records a failed attempt and words the refusal as Clerk does.
pub(super) async fn password_failed(
    state: &DevState,
    email: &str,
) -> Result<ClerkApiError, ClerkApiError> {
    store::record_failure(&state.db, email).await?;
    Ok(form_error(
        "form_password_incorrect",
        "Email address or password is incorrect.",
    ))
}

#[derive(Deserialize)]
struct VerifyLevel {
    #[serde(default)]
    level: Option<String>,
}

/// Clerk's session verification object.
async fn verification_json(
    state: &DevState,
    session_id: &str,
    status: &str,
    level: &str,
) -> Result<Value, ClerkApiError> {
    let session = store::get_session(&state.db, session_id)
        .await?
        .unwrap_or(Value::Null);
    Ok(json!({
        "object": "session_verification",
        "status": status,
        "level": level,
        "session": session,
        "supported_first_factors": [{"strategy": "password"}],
        "supported_second_factors": null,
        "first_factor_verification": {
            "status": if status == "complete" { "verified" } else { "unverified" },
            "strategy": "password",
        },
        "second_factor_verification": null,
    }))
}

/// `session.startVerification({level})`: the user is about to prove who
/// they are again. Only the password is offered (no second factors here).
async fn start_verification(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(params): Params<VerifyLevel>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = owned_session(&state, &headers, &id).await?;
    let level = params.level.unwrap_or_else(|| "first_factor".into());
    if !["first_factor", "second_factor", "multi_factor"].contains(&level.as_str()) {
        return Err(ClerkApiError::invalid(
            "level",
            "level must be first_factor, second_factor or multi_factor.",
        ));
    }
    let response = verification_json(&state, &session.id, "needs_first_factor", &level).await?;
    let client = client_json(&state, &session.client_id, &headers).await?;
    Ok(Json(json!({ "response": response, "client": client })))
}

#[derive(Deserialize)]
struct FactorAttempt {
    strategy: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

/// `session.attemptFirstFactorVerification({strategy: "password", password})`:
/// the right password refreshes the session's verification time, so the
/// next token's `fva` starts again at 0. Wrong passwords count towards the
/// account's lockout, as sign-in failures do.
async fn attempt_first_factor(
    State(state): State<DevState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(id): Path<String>,
    Params(attempt): Params<FactorAttempt>,
) -> Result<Response, ClerkApiError> {
    let session = owned_session(&state, &headers, &id).await?;
    if attempt.strategy != "password" {
        return Err(ClerkApiError::invalid(
            "strategy",
            "Only password verification is available.",
        ));
    }
    let user = store::get_user(&state.db, &session.user_id)
        .await?
        .ok_or_else(|| signed_out("The user no longer exists."))?;
    let email = user.primary_email().unwrap_or_default().to_owned();
    if let Err(refusal) = charge_identifier(&state, &email, uri.path()).await {
        return Ok(refusal);
    }
    check_lockout(&state, &email).await?;
    let password = attempt.password.unwrap_or_default();
    if verify_password(Some(user), password).await.is_none() {
        store::record_failure(&state.db, &email).await?;
        return Err(form_error(
            "form_password_incorrect",
            "Password is incorrect. Try again.",
        ));
    }
    store::clear_failures(&state.db, &email).await?;
    store::set_factor_verified_at(&state.db, &session.id, now_millis()).await?;
    let level = attempt.level.unwrap_or_else(|| "first_factor".into());
    let response = verification_json(&state, &session.id, "complete", &level).await?;
    let client = client_json(&state, &session.client_id, &headers).await?;
    Ok(Json(json!({ "response": response, "client": client })).into_response())
}

/// A body as Clerk's frontend API takes it: form-encoded (as clerk-js
/// sends it) or JSON.
pub(super) struct Params<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Params<T> {
    type Rejection = ClerkApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| ClerkApiError::invalid("body", "The request body could not be read."))?;
        let parsed = if form {
            serde_urlencoded::from_bytes(&bytes).map_err(|e| e.to_string())
        } else if bytes.is_empty() {
            serde_json::from_slice(b"{}").map_err(|e| e.to_string())
        } else {
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())
        };
        parsed.map(Params).map_err(|e| {
            ClerkApiError::invalid("body", format!("The request body is invalid: {e}."))
        })
    }
}

/// The session if it belongs to this browser's client and is usable.
async fn owned_session(
    state: &DevState,
    headers: &HeaderMap,
    id: &str,
) -> Result<SessionInfo, ClerkApiError> {
    let inactive = || signed_out("This session is no longer active.");
    let client_id = current_client_id(state, headers)
        .await?
        .ok_or_else(inactive)?;
    let session = store::session_info(&state.db, id)
        .await?
        .ok_or_else(inactive)?;
    if session.client_id != client_id
        || session.status != "active"
        || session.expire_at <= now_millis()
    {
        return Err(inactive());
    }
    Ok(session)
}

/// Mints the session token: RS256, 60 s, Clerk's v2 claims, the user's
/// public metadata as `metadata`, `azp` = the requesting origin.
pub(super) async fn mint(
    state: &DevState,
    session: &SessionInfo,
    azp: Option<String>,
) -> Result<String, ClerkApiError> {
    mint_for(state, session, azp, TOKEN_LIFETIME_SECS).await
}

/// [`mint`] with another lifetime (the Backend API's `expires_in_seconds`).
pub(super) async fn mint_for(
    state: &DevState,
    session: &SessionInfo,
    azp: Option<String>,
    lifetime_secs: i64,
) -> Result<String, ClerkApiError> {
    let user = store::get_user(&state.db, &session.user_id)
        .await?
        .ok_or_else(|| signed_out("The user no longer exists."))?;
    store::touch_session(&state.db, &session.id).await?;
    let now = unix_now();
    let factor_age_minutes = store::factor_age_minutes(session.factor_verified_at);
    let mut claims = json!({
        "iss": state.instance.publishable_key().frontend_api_url(),
        "sub": user.id,
        "sid": session.id,
        "iat": now,
        "nbf": now - 10,
        "exp": now + lifetime_secs,
        "jti": store::new_id("jti"),
        "v": 2,
        "fva": [factor_age_minutes, -1],
        "metadata": user.public_metadata,
    });
    if let Some(azp) = azp {
        claims["azp"] = json!(azp);
    }
    // The active organization, while the user still belongs to it.
    if let Some(membership) = orgs::active_membership(&state.db, session).await? {
        let (o, fea) = membership.claims();
        claims["o"] = o;
        if let Some(fea) = fea {
            claims["fea"] = json!(fea);
        }
    }
    Ok(state.instance.signing_key().sign(&claims))
}

fn requesting_origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request_origin(headers))
}

async fn token(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = owned_session(&state, &headers, &id).await?;
    let jwt = mint(&state, &session, requesting_origin(&headers)).await?;
    Ok(Json(json!({"object": "token", "jwt": jwt})))
}

async fn end_session(
    state: State<DevState>,
    headers: HeaderMap,
    id: Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    change_session(state, headers, id, "ended").await
}

/// clerk-js's `session.remove()` (signing out of one session).
async fn remove_session(
    state: State<DevState>,
    headers: HeaderMap,
    id: Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    change_session(state, headers, id, "removed").await
}

/// Ends this browser's session `id` with `status`; answers the session and
/// the client, as Clerk does.
async fn change_session(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    status: &str,
) -> Result<Json<Value>, ClerkApiError> {
    let session = owned_session(&state, &headers, &id).await?;
    let changed = store::set_session_status(&state.db, &session.id, status)
        .await?
        .unwrap_or(Value::Null);
    let response = json!({"object": "session", "id": session.id, "status": changed["status"]});
    Ok(Json(json!({
        "response": response,
        "client": client_json(&state, &session.client_id, &headers).await?,
    })))
}

/// clerk-js's sign-out in single-session mode (`DELETE /v1/client/sessions`):
/// ends every session this browser's client holds; answers the client.
async fn end_all_sessions(
    State(state): State<DevState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    let client_id = current_client_id(&state, &headers)
        .await?
        .ok_or_else(|| signed_out("Sign in first."))?;
    for session in store::active_sessions(&state.db, &client_id).await? {
        store::set_session_status(&state.db, &session.id, "ended").await?;
    }
    let client = client_json(&state, &client_id, &headers).await?;
    Ok(Json(json!({ "response": client, "client": client })))
}

/// The same, sent as clerk-js sends it: `POST ?_method=DELETE`.
async fn end_all_sessions_with_override(
    state: State<DevState>,
    headers: HeaderMap,
    Query(query): Query<MethodOverride>,
) -> Result<Json<Value>, ClerkApiError> {
    match query.method().as_deref() {
        Some("DELETE") => end_all_sessions(state, headers).await,
        _ => Err(method_not_allowed()),
    }
}

#[derive(Deserialize)]
struct Touch {
    #[serde(default)]
    active_organization_id: Option<String>,
}

/// clerk-js's `setActive` and its periodic touch: marks the session
/// active now, with the organization it names (if any), and answers it
/// with the client.
async fn touch_session(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(touch): Params<Touch>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = owned_session(&state, &headers, &id).await?;
    // `setActive({ organization })`: only an organization the user belongs
    // to; an empty id is the personal space. Absent: unchanged.
    match touch.active_organization_id.as_deref() {
        None => {}
        Some("") => orgs::set_active(&state.db, &session.id, None).await?,
        Some(org_id) => {
            if orgs::membership(&state.db, org_id, &session.user_id)
                .await?
                .is_none()
            {
                return Err(ClerkApiError::not_found("Organization"));
            }
            orgs::set_active(&state.db, &session.id, Some(org_id)).await?;
        }
    }
    store::touch_session(&state.db, &session.id).await?;
    let client = client_json(&state, &session.client_id, &headers).await?;
    let response = client["sessions"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["id"] == session.id.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    Ok(Json(json!({ "response": response, "client": client })))
}

#[derive(Deserialize)]
struct NameChange {
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    /// UserProfile's "Set as primary": one of the user's verified addresses.
    #[serde(default)]
    primary_email_address_id: Option<String>,
}

/// Clerk's `403 session_reverification_required` unless the session's user
/// proved who they are within [`DELETE_ACCOUNT_FACTOR_AGE_MINUTES`]: what
/// @clerk/ui's reverification answers by asking for the password and
/// trying again. Deleting the account and changing its email addresses
/// (which a password reset would go to) need it.
pub(super) fn require_recent_factor(
    session: &SessionInfo,
    long_message: &str,
) -> Result<(), ClerkApiError> {
    if store::factor_age_minutes(session.factor_verified_at) >= DELETE_ACCOUNT_FACTOR_AGE_MINUTES {
        return Err(ClerkApiError::new(
            StatusCode::FORBIDDEN,
            "session_reverification_required",
            "You need to provide additional verification to perform this operation",
            long_message,
        ));
    }
    Ok(())
}

/// The session this browser is signed in with (its most recent active one).
pub(super) async fn signed_in_session(
    state: &DevState,
    headers: &HeaderMap,
) -> Result<SessionInfo, ClerkApiError> {
    let client_id = current_client_id(state, headers)
        .await?
        .ok_or_else(|| signed_out("Sign in first."))?;
    store::active_sessions(&state.db, &client_id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| signed_out("Sign in first."))
}

/// 405 in Clerk's error shape.
pub fn method_not_allowed() -> ClerkApiError {
    ClerkApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        "This resource does not take that method.",
    )
}

/// clerk-js sends `PATCH` and `DELETE` as `POST ?_method=…`.
#[derive(Deserialize)]
pub(super) struct MethodOverride {
    #[serde(rename = "_method")]
    method: Option<String>,
}

impl MethodOverride {
    /// The method this `POST` stands for, upper-cased (`None`: a plain POST).
    pub(super) fn method(&self) -> Option<String> {
        self.method.as_deref().map(str::to_ascii_uppercase)
    }
}

/// `/v1/me` as clerk-js sends its `PATCH` and `DELETE`.
async fn me_with_override(
    state: State<DevState>,
    headers: HeaderMap,
    Query(query): Query<MethodOverride>,
    body: Params<NameChange>,
) -> Result<Response, ClerkApiError> {
    match query.method().as_deref() {
        Some("PATCH") => Ok(update_me(state, headers, body).await?.into_response()),
        Some("DELETE") => delete_me(state, headers).await,
        _ => Err(method_not_allowed()),
    }
}

/// "Manage account": the signed-in user changes their name (JSON, or
/// form-encoded as clerk-js sends it).
async fn update_me(
    State(state): State<DevState>,
    headers: HeaderMap,
    Params(change): Params<NameChange>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    let trimmed = |n: Option<String>| n.map(|n| n.trim().to_owned());
    let changes = store::UserChanges {
        first_name: trimmed(change.first_name),
        last_name: trimmed(change.last_name),
        username: None,
    };
    check_names([&changes.first_name, &changes.last_name])?;
    if let Some(id) = &change.primary_email_address_id {
        require_recent_factor(
            &session,
            "Confirm your password to change your primary email address.",
        )?;
        let user = email_addresses::make_primary(&state.db, &session.user_id, id)
            .await
            .map_err(email_error)?;
        if changes.first_name.is_none() && changes.last_name.is_none() {
            return Ok(Json(user.to_frontend_json()));
        }
    }
    let user = store::update_user(&state.db, &session.user_id, &changes)
        .await?
        .ok_or_else(|| ClerkApiError::not_found("User"))?;
    Ok(Json(user.to_frontend_json()))
}

/// The account panel's "Active devices": the user's active sessions on
/// every browser, each with where it started. A bare array, unlike the
/// other resources: clerk-js maps the body itself (and shows no devices at
/// all when it cannot).
async fn my_active_sessions(
    State(state): State<DevState>,
    headers: HeaderMap,
) -> Result<Json<Vec<Value>>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    Ok(Json(
        store::active_sessions_of_user(&state.db, &session.user_id).await?,
    ))
}

/// "Sign out of device": ends one of the user's own sessions, on any of
/// their browsers. Another user's session is not found, whatever its id.
async fn revoke_my_session(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    let owned = store::get_session(&state.db, &id)
        .await?
        .is_some_and(|s| s["user_id"] == session.user_id.as_str());
    if !owned {
        return Err(ClerkApiError::not_found("Session"));
    }
    let revoked = store::revoke_session(&state.db, &id)
        .await?
        .ok_or_else(|| ClerkApiError::not_found("Session"))?;
    let client = client_json(&state, &session.client_id, &headers).await?;
    Ok(Json(json!({ "response": revoked, "client": client })))
}

/// How recently the password must have been confirmed to delete the
/// account: Clerk's `strict` reverification (10 minutes).
pub const DELETE_ACCOUNT_FACTOR_AGE_MINUTES: i64 = 10;

/// "Delete account" (Clerk's `DELETE /v1/me`, offered in the account panel
/// when self-deletion is enabled). Irreversible, so beyond the session
/// cookie and the same-origin check every state-changing instance route
/// gets, the password must have been confirmed within the last ten
/// minutes (a fresh sign-in or a reverification): a borrowed unlocked
/// laptop is not enough. The user's sessions end with them, and the
/// `user.deleted` webhook tells the app to remove their posts and profile.
async fn delete_me(
    State(state): State<DevState>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    require_recent_factor(&session, "Confirm your password to delete your account.")?;
    if !store::delete_user(&state.db, &session.user_id).await? {
        return Err(ClerkApiError::not_found("User"));
    }
    let client = client_json(&state, &session.client_id, &headers).await?;
    let deleted = json!({"object": "user", "id": session.user_id, "deleted": true});
    Ok(Json(json!({ "response": deleted, "client": client })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::valid_email;

    #[test]
    fn names_are_bounded_and_free_of_control_characters() {
        let ok = Some("Ada Lovelace".to_owned());
        assert!(check_names([&ok, &None]).is_ok());
        for bad in ["a\0b", "tab\there", &"x".repeat(257)] {
            assert!(
                check_names([&None, &Some(bad.to_owned())]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passwords_follow_the_rules() {
        assert!(check_password("correct horse").is_ok());
        assert!(check_password("short").is_err());
        assert!(
            check_password("Password123").is_err(),
            "common, whatever the case"
        );
        assert!(check_password("12345678").is_err());
    }

    #[test]
    fn emails_are_sanity_checked() {
        for ok in ["ada@example.com", "a.b+tag@mail.example.org"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a da@example.com",
            "a@b@c.com",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}
