//! UserProfile's email addresses on the frontend API (`/v1/me/email_addresses`):
//! adding one (unverified), its `email_code` verification through the
//! mailbox, removing one — each for the signed-in user's own addresses
//! only, and adding or removing only with a password confirmed in the last
//! ten minutes (Clerk's reverification: an address on the account is where
//! a password reset would go). Making one primary is `PATCH /v1/me`.

use super::{
    api_error::ClerkApiError,
    codes, email_addresses,
    frontend::{self, email_error, MethodOverride, Params},
    state::DevState,
    store::{self, valid_email, DevUser, SessionInfo},
};
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, Uri},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// Routes relative to the mount point.
pub fn router<S: Clone + Send + Sync + 'static>(state: DevState) -> Router<S> {
    Router::new()
        .route("/v1/me/email_addresses", get(list).post(add))
        // clerk-js creates one at the collection's path with a slash after it.
        .route("/v1/me/email_addresses/", get(list).post(add))
        .route(
            "/v1/me/email_addresses/{id}",
            get(one).delete(remove).post(remove_with_override),
        )
        .route(
            "/v1/me/email_addresses/{id}/prepare_verification",
            post(prepare_verification),
        )
        .route(
            "/v1/me/email_addresses/{id}/attempt_verification",
            post(attempt_verification),
        )
        .with_state(state)
}

/// Clerk's `email_address` object for the user's address `id`, with the
/// state of its code when one is out.
fn email_json(state: &DevState, user: &DevUser, id: &str) -> Option<Value> {
    let (address, verified) = user
        .emails
        .iter()
        .map(|(i, e)| (i, e, true))
        .chain(user.unverified_emails.iter().map(|(i, e)| (i, e, false)))
        .find(|(i, _, _)| *i == id)
        .map(|(_, e, verified)| (e.clone(), verified))?;
    let verification = if verified {
        json!({"status": "verified", "strategy": "email_code", "attempts": null, "expire_at": null})
    } else {
        match state.email_codes.get(id) {
            Some(code) => json!({
                "status": if code.is_live() { "unverified" } else { "failed" },
                "strategy": "email_code", "attempts": code.attempts, "expire_at": code.expire_at,
            }),
            None => {
                json!({"status": "unverified", "strategy": null, "attempts": null, "expire_at": null})
            }
        }
    };
    Some(json!({
        "object": "email_address", "id": id, "email_address": address,
        "verification": verification, "linked_to": [], "reserved": false,
        "matches_sso_connection": false,
    }))
}

/// `{response, client}` for the signed-in browser.
async fn answer(
    state: &DevState,
    headers: &HeaderMap,
    session: &SessionInfo,
    response: Value,
) -> Result<Response, ClerkApiError> {
    let client = frontend::client_json(state, &session.client_id, headers).await?;
    Ok(Json(json!({ "response": response, "client": client })).into_response())
}

/// The signed-in user and one of their addresses, else 404.
async fn mine(
    state: &DevState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(SessionInfo, DevUser, Value), ClerkApiError> {
    let session = frontend::signed_in_session(state, headers).await?;
    let user = store::get_user(&state.db, &session.user_id)
        .await?
        .ok_or_else(|| ClerkApiError::not_found("User"))?;
    let json =
        email_json(state, &user, id).ok_or_else(|| ClerkApiError::not_found("Email address"))?;
    Ok((session, user, json))
}

async fn list(
    State(state): State<DevState>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    let session = frontend::signed_in_session(&state, &headers).await?;
    let user = store::get_user(&state.db, &session.user_id)
        .await?
        .ok_or_else(|| ClerkApiError::not_found("User"))?;
    let all: Vec<Value> = user
        .emails
        .iter()
        .chain(&user.unverified_emails)
        .filter_map(|(id, _)| email_json(&state, &user, id))
        .collect();
    answer(&state, &headers, &session, json!(all)).await
}

async fn one(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ClerkApiError> {
    let (session, _, json) = mine(&state, &headers, &id).await?;
    answer(&state, &headers, &session, json).await
}

#[derive(Deserialize)]
struct NewAddress {
    #[serde(default)]
    email_address: String,
}

/// `POST /v1/me/email_addresses` `{email_address}`: added unverified.
async fn add(
    State(state): State<DevState>,
    headers: HeaderMap,
    Params(form): Params<NewAddress>,
) -> Result<Response, ClerkApiError> {
    let session = frontend::signed_in_session(&state, &headers).await?;
    frontend::require_recent_factor(&session, "Confirm your password to add an email address.")?;
    let email = form.email_address.trim().to_lowercase();
    if !valid_email(&email) {
        return Err(frontend::form_error(
            "form_param_format_invalid",
            "Enter a valid email address.",
        )
        .for_param("email_address"));
    }
    let (id, user) = email_addresses::add(&state.db, &session.user_id, &email)
        .await
        .map_err(email_error)?;
    let json = email_json(&state, &user, &id).unwrap_or(Value::Null);
    answer(&state, &headers, &session, json).await
}

async fn remove_with_override(
    state: State<DevState>,
    headers: HeaderMap,
    Query(query): Query<MethodOverride>,
    id: Path<String>,
) -> Result<Response, ClerkApiError> {
    match query.method().as_deref() {
        Some("DELETE") => remove(state, headers, id).await,
        _ => Err(frontend::method_not_allowed()),
    }
}

/// `DELETE /v1/me/email_addresses/{id}`: any of the user's addresses but
/// the primary one.
async fn remove(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ClerkApiError> {
    let (session, _, _) = mine(&state, &headers, &id).await?;
    frontend::require_recent_factor(
        &session,
        "Confirm your password to remove an email address.",
    )?;
    email_addresses::remove(&state.db, &session.user_id, &id)
        .await
        .map_err(email_error)?;
    state.email_codes.remove(&id);
    let deleted = json!({"object": "email_address", "id": id, "deleted": true});
    answer(&state, &headers, &session, deleted).await
}

/// The user's address `id` while it waits for its code; `422` once verified.
fn unverified<'a>(user: &'a DevUser, id: &str) -> Result<&'a str, ClerkApiError> {
    user.unverified_emails
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, address)| address.as_str())
        .ok_or_else(|| {
            frontend::form_error(
                "verification_already_verified",
                "This email address is already verified.",
            )
        })
}

#[derive(Deserialize)]
struct Verification {
    #[serde(default)]
    strategy: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// `POST …/{id}/prepare_verification`: a code to the address (in the
/// mailbox), within the address's ration of codes.
async fn prepare_verification(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(form): Params<Verification>,
) -> Result<Response, ClerkApiError> {
    codes::email_code_only(form.strategy.as_deref())?;
    let (session, user, _) = mine(&state, &headers, &id).await?;
    let address = unverified(&user, &id)?;
    let code = frontend::send_code(
        &state,
        codes::Purpose::AddEmail,
        address,
        "verification code",
        |code, app| {
            format!(
                "Enter {code} to add this email address to your {app} account. The code expires \
                 in 10 minutes. If you did not ask for it, ignore this message."
            )
        },
    )
    .await?;
    state.email_codes.put(&id, code);
    let json = email_json(&state, &user, &id).unwrap_or(Value::Null);
    answer(&state, &headers, &session, json).await
}

/// `POST …/{id}/attempt_verification` `{code}`: right, and the address is
/// the user's, verified (unless someone verified it first).
async fn attempt_verification(
    State(state): State<DevState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Params(form): Params<Verification>,
) -> Result<Response, ClerkApiError> {
    codes::email_code_only(form.strategy.as_deref())?;
    let (session, user, _) = mine(&state, &headers, &id).await?;
    let address = unverified(&user, &id)?;
    if let Err(refusal) = state.host.charge_sign_in_attempt(address, uri.path()).await {
        return Ok(refusal);
    }
    let Some(mut code) = state.email_codes.get(&id) else {
        return Err(codes::not_sent());
    };
    let guess = code.check(form.code.as_deref().unwrap_or_default());
    if let Some(refusal) = codes::refusal(guess) {
        state.email_codes.put(&id, code);
        return Err(refusal);
    }
    state.email_codes.remove(&id);
    let user = email_addresses::verify(&state.db, &session.user_id, &id)
        .await
        .map_err(email_error)?;
    let json = email_json(&state, &user, &id).unwrap_or(Value::Null);
    answer(&state, &headers, &session, json).await
}
