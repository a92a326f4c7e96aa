//! Clerk's sign-up routes (`/v1/client/sign_ups`), with the email
//! verification Clerk's default asks for: the form creates a sign-up that
//! is `missing_requirements` until the address proves itself with an
//! `email_code` (`prepare_verification` sends one to the instance's
//! mailbox, `attempt_verification` checks it); only then does the user
//! exist and the session start. An instance told not to verify
//! (`Settings::verify_email_at_sign_up`) completes at once.

use super::{
    api_error::ClerkApiError,
    codes::{self, Guess},
    frontend::{self, Params},
    sign_ups::{self, PendingSignUp},
    state::DevState,
    store::{self, valid_email, NewUser, StoreError},
};
use crate::db::now_millis;
use axum::{
    extract::{Path, State},
    http::{HeaderMap, Uri},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Routes relative to the mount point.
pub fn router<S: Clone + Send + Sync + 'static>(state: DevState) -> Router<S> {
    Router::new()
        .route("/v1/client/sign_ups", post(create))
        .route("/v1/client/sign_ups/{id}", get(current))
        .route(
            "/v1/client/sign_ups/{id}/prepare_verification",
            post(prepare_verification),
        )
        .route(
            "/v1/client/sign_ups/{id}/attempt_verification",
            post(attempt_verification),
        )
        .with_state(state)
}

#[derive(Deserialize)]
struct SignUpForm {
    email_address: String,
    password: String,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
}

fn taken() -> ClerkApiError {
    frontend::form_error(
        "form_identifier_exists",
        "That email address is taken. Please try another.",
    )
    .for_param("email_address")
}

/// `POST /v1/client/sign_ups`: the form. Checked as Clerk checks it (a
/// valid, unused address; the password rules; names), then either waiting
/// for the email code or, on an instance that does not verify, complete.
async fn create(
    State(state): State<DevState>,
    headers: HeaderMap,
    activity: store::Activity,
    Params(form): Params<SignUpForm>,
) -> Result<Response, ClerkApiError> {
    let email = form.email_address.trim().to_lowercase();
    if !valid_email(&email) {
        return Err(frontend::form_error(
            "form_param_format_invalid",
            "Enter a valid email address.",
        )
        .for_param("email_address"));
    }
    frontend::check_password(&form.password)?;
    let name = |n: Option<String>| n.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let (first_name, last_name) = (name(form.first_name), name(form.last_name));
    frontend::check_names([&first_name, &last_name])?;
    if !state.instance.settings().verify_email_at_sign_up {
        let new = NewUser {
            email,
            password: Some(form.password),
            first_name,
            last_name,
            ..Default::default()
        };
        return complete(&state, &headers, &activity, new).await;
    }
    // As Clerk: an address in use is refused here, before any code is sent.
    if store::find_by_email(&state.db, &email).await?.is_some() {
        return Err(taken());
    }
    let pending = PendingSignUp {
        id: store::new_id("sua"),
        email,
        password_hash: store::hash_password(&form.password).await?,
        first_name,
        last_name,
        created_at: now_millis(),
        code: None,
    };
    let (client_id, new_cookie) = frontend::client_or_new(&state, &headers).await?;
    state.pending_sign_ups.put(&client_id, pending.clone());
    answer(&state, &headers, &client_id, pending.to_json(), new_cookie).await
}

/// `{response: <sign_up>, client}`, setting the client's cookie when new.
async fn answer(
    state: &DevState,
    headers: &HeaderMap,
    client_id: &str,
    sign_up: Value,
    new_cookie: Option<String>,
) -> Result<Response, ClerkApiError> {
    let body = json!({
        "response": sign_up,
        "client": frontend::client_json(state, client_id, headers).await?,
    });
    Ok(frontend::with_client_cookie(
        Json(body).into_response(),
        new_cookie,
        headers,
    ))
}

/// This browser's sign-up `id`, with its client's id; 404 for any other.
async fn pending(
    state: &DevState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(String, PendingSignUp), ClerkApiError> {
    let client_id = frontend::current_client_id(state, headers).await?;
    client_id
        .and_then(|c| state.pending_sign_ups.get(&c).map(|p| (c, p)))
        .filter(|(_, p)| p.id == id)
        .ok_or_else(|| ClerkApiError::not_found("Sign up"))
}

/// `GET /v1/client/sign_ups/{id}` (clerk-js's `reload`).
async fn current(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ClerkApiError> {
    let (client_id, sign_up) = pending(&state, &headers, &id).await?;
    answer(&state, &headers, &client_id, sign_up.to_json(), None).await
}

#[derive(Deserialize)]
struct Strategy {
    #[serde(default)]
    strategy: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// `POST …/prepare_verification` `{strategy: "email_code"}`: a new code in
/// the mailbox (none for a `+clerk_test` address, which takes 424242),
/// replacing any earlier one — within the address's budget of codes.
async fn prepare_verification(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(form): Params<Strategy>,
) -> Result<Response, ClerkApiError> {
    codes::email_code_only(form.strategy.as_deref())?;
    let (client_id, mut sign_up) = pending(&state, &headers, &id).await?;
    let code = frontend::send_code(
        &state,
        codes::Purpose::SignUp,
        &sign_up.email,
        "verification code",
        |code, app| {
            format!(
                "Enter {code} to verify your email address and finish signing up to {app}. \
                 The code expires in 10 minutes. If you did not sign up, ignore this message."
            )
        },
    )
    .await?;
    sign_up.code = Some(code);
    state.pending_sign_ups.put(&client_id, sign_up.clone());
    answer(&state, &headers, &client_id, sign_up.to_json(), None).await
}

/// `POST …/attempt_verification` `{strategy: "email_code", code}`: the
/// guess, charged to the address's budget of attempts (the app's, as for
/// passwords) and to the code's own few. Right: the user is created with
/// the address verified, and the session starts.
async fn attempt_verification(
    State(state): State<DevState>,
    headers: HeaderMap,
    activity: store::Activity,
    uri: Uri,
    Path(id): Path<String>,
    Params(form): Params<Strategy>,
) -> Result<Response, ClerkApiError> {
    codes::email_code_only(form.strategy.as_deref())?;
    let (client_id, mut sign_up) = pending(&state, &headers, &id).await?;
    if let Err(refusal) = state
        .host
        .charge_sign_in_attempt(&sign_up.email, uri.path())
        .await
    {
        return Ok(refusal);
    }
    let Some(code) = sign_up.code.as_mut() else {
        return Err(codes::not_sent());
    };
    let guess = code.check(form.code.as_deref().unwrap_or_default());
    if let Some(refusal) = codes::refusal(guess) {
        state.pending_sign_ups.put(&client_id, sign_up);
        return Err(refusal);
    }
    debug_assert_eq!(guess, Guess::Verified);
    state.pending_sign_ups.remove(&client_id);
    let new = NewUser {
        email: sign_up.email,
        password_hash: Some(sign_up.password_hash),
        first_name: sign_up.first_name,
        last_name: sign_up.last_name,
        public_metadata: Map::new(),
        ..Default::default()
    };
    complete(&state, &headers, &activity, new).await
}

/// Creates the user and starts their session: the sign-up is complete.
async fn complete(
    state: &DevState,
    headers: &HeaderMap,
    activity: &store::Activity,
    new: NewUser,
) -> Result<Response, ClerkApiError> {
    let user = match store::create_user(&state.db, new).await {
        Ok(user) => user,
        // Taken meanwhile (another sign-up finished first).
        Err(StoreError::EmailTaken) => return Err(taken()),
        Err(other) => return Err(other.into()),
    };
    frontend::start_session(state, headers, activity, &user.id, |session_id| {
        sign_ups::completed_json(&user, session_id)
    })
    .await
}
