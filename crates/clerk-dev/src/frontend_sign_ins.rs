//! Clerk's sign-in routes (`/v1/client/sign_ins`): the identifier, then the
//! password (or both at once), an invitation's ticket, and "Forgot
//! password?" — Clerk's `reset_password_email_code`: a code by email (the
//! instance's mailbox), then a new password under the sign-up rules, which
//! resets the account's lockout and, when asked, signs its other sessions
//! out. At no step does an answer differ for an address without an account:
//! it gets a note in the mailbox instead of a code, and no code can be
//! right.

use super::{
    api_error::ClerkApiError,
    codes::{self, OneTimeCode},
    frontend::{
        charge_identifier, check_lockout, check_password, client_json, client_or_new,
        current_client_id, form_error, password_failed, send_code, start_session, verify_password,
        with_client_cookie, Params,
    },
    mailbox, orgs,
    sign_ins::{PendingSignIn, RESET_PASSWORD_EMAIL_CODE},
    state::DevState,
    store,
};
use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// Routes relative to the mount point.
pub fn router<S: Clone + Send + Sync + 'static>(state: DevState) -> Router<S> {
    Router::new()
        .route("/v1/client/sign_ins", post(sign_in))
        .route(
            "/v1/client/sign_ins/{id}/prepare_first_factor",
            post(prepare_first_factor),
        )
        .route(
            "/v1/client/sign_ins/{id}/attempt_first_factor",
            post(attempt_sign_in_first_factor),
        )
        .route(
            "/v1/client/sign_ins/{id}/reset_password",
            post(reset_password),
        )
        .with_state(state)
}

/// Clerk's completed `sign_in` object for `identifier`.
fn completed_sign_in(identifier: &str, session_id: &str) -> Value {
    json!({
        "object": "sign_in", "id": store::new_id("sia"), "status": "complete",
        "identifier": identifier,
        "supported_identifiers": ["email_address"],
        "supported_first_factors": [{"strategy": "password"}],
        "supported_second_factors": null,
        "first_factor_verification": {"status": "verified", "strategy": "password"},
        "second_factor_verification": null,
        "created_session_id": session_id,
        "user_data": null,
    })
}

#[derive(Deserialize)]
struct SignIn {
    #[serde(default)]
    identifier: String,
    /// `ticket` with `ticket`: an organization invitation's link.
    #[serde(default)]
    strategy: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    /// Absent in the two-step flow Clerk's widget uses: the identifier
    /// first, the password through `attempt_first_factor`.
    #[serde(default)]
    password: Option<String>,
}

/// Step one of Clerk's two-step sign-in: the identifier alone. Answers
/// `needs_first_factor` whether or not such an account exists.
async fn start_sign_in(
    state: &DevState,
    headers: &HeaderMap,
    email: String,
) -> Result<Response, ClerkApiError> {
    let (client_id, new_cookie) = client_or_new(state, headers).await?;
    let pending = PendingSignIn::new(email);
    state.pending_sign_ins.put(&client_id, pending.clone());
    let body = json!({
        "response": pending.to_json(),
        "client": client_json(state, &client_id, headers).await?,
    });
    Ok(with_client_cookie(
        Json(body).into_response(),
        new_cookie,
        headers,
    ))
}

#[derive(Deserialize)]
struct FirstFactor {
    #[serde(default)]
    strategy: Option<String>,
    #[serde(default)]
    password: Option<String>,
    /// The reset code (`reset_password_email_code`).
    #[serde(default)]
    code: Option<String>,
}

/// Step two: the password (or the reset code) for this browser's pending
/// sign-in `id`.
async fn attempt_sign_in_first_factor(
    State(state): State<DevState>,
    headers: HeaderMap,
    activity: store::Activity,
    uri: axum::http::Uri,
    Path(id): Path<String>,
    Params(attempt): Params<FirstFactor>,
) -> Result<Response, ClerkApiError> {
    let (client_id, sign_in) = pending(&state, &headers, &id).await?;
    match attempt.strategy.as_deref().unwrap_or("password") {
        "password" => {}
        RESET_PASSWORD_EMAIL_CODE => {
            return attempt_reset_code(&state, &headers, uri.path(), client_id, sign_in, attempt.code)
                .await
        }
        _ => {
            return Err(ClerkApiError::invalid(
                "strategy",
                "Only the password and reset_password_email_code strategies are enabled on this instance.",
            ))
        }
    }
    let password = attempt.password.unwrap_or_default();
    password_sign_in(
        &state,
        &headers,
        &activity,
        uri.path(),
        sign_in.email,
        password,
    )
    .await
}

async fn sign_in(
    State(state): State<DevState>,
    headers: HeaderMap,
    activity: store::Activity,
    uri: axum::http::Uri,
    Params(form): Params<SignIn>,
) -> Result<Response, ClerkApiError> {
    if form.strategy.as_deref() == Some("ticket") {
        return ticket_sign_in(&state, &headers, &activity, form.ticket.unwrap_or_default()).await;
    }
    let email = form.identifier.trim().to_lowercase();
    match form.password {
        None => start_sign_in(&state, &headers, email).await,
        Some(password) => {
            password_sign_in(&state, &headers, &activity, uri.path(), email, password).await
        }
    }
}

/// Signs in with an invitation's ticket (see
/// [`redeem_ticket`]); a ticket that is not a
/// pending invitation's is Clerk's `ticket_invalid`.
async fn ticket_sign_in(
    state: &DevState,
    headers: &HeaderMap,
    activity: &store::Activity,
    ticket: String,
) -> Result<Response, ClerkApiError> {
    match redeem_ticket(state, &ticket).await? {
        Some((user, email)) => {
            start_session(state, headers, activity, &user.id, |session_id| {
                completed_sign_in(&email, session_id)
            })
            .await
        }
        None => Err(form_error(
            "ticket_invalid",
            "This invitation link is no longer valid.",
        )),
    }
}

/// Checks `password` for `email` (rate budgets, lockout) and starts the
/// session. One answer for an unknown email and a wrong password, so the
/// form does not reveal who has an account.
async fn password_sign_in(
    state: &DevState,
    headers: &HeaderMap,
    activity: &store::Activity,
    path: &str,
    email: String,
    password: String,
) -> Result<Response, ClerkApiError> {
    if let Err(refusal) = charge_identifier(state, &email, path).await {
        return Ok(refusal);
    }
    check_lockout(state, &email).await?;
    let user = store::find_by_email(&state.db, &email).await?;
    match verify_password(user, password).await {
        Some(user) if !user.banned => {
            store::clear_failures(&state.db, &email).await?;
            start_session(state, headers, activity, &user.id, |session_id| {
                completed_sign_in(&email, session_id)
            })
            .await
        }
        _ => Err(password_failed(state, &email).await?),
    }
}

/// Signing in with an invitation's ticket: the ticket proves the address,
/// so the invitee's account signs in and the invitation is accepted, in
/// Clerk's words `status: complete`. `None` for a ticket that is not a
/// pending invitation's or whose address has no account.
async fn redeem_ticket(
    state: &DevState,
    ticket: &str,
) -> Result<Option<(store::DevUser, String)>, ClerkApiError> {
    let Some(invitation) = orgs::invitation_by_ticket(&state.db, ticket).await? else {
        return Ok(None);
    };
    let Some(user) = store::find_by_email(&state.db, &invitation.email_address).await? else {
        return Ok(None);
    };
    if user.banned {
        return Ok(None);
    }
    match orgs::accept_invitation(&state.db, &invitation.id, &user.id).await {
        Ok(_) => {}
        // Used or revoked a moment ago.
        Err(orgs::OrgError::NotFound(_)) => return Ok(None),
        Err(other) => return Err(other.into()),
    }
    Ok(Some((user, invitation.email_address)))
}

/// This browser's pending sign-in `id`, with its client's id; 404 for any
/// other.
async fn pending(
    state: &DevState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(String, PendingSignIn), ClerkApiError> {
    let client_id = current_client_id(state, headers).await?;
    client_id
        .and_then(|c| state.pending_sign_ins.get(&c).map(|p| (c, p)))
        .filter(|(_, p)| p.id == id)
        .ok_or_else(|| ClerkApiError::not_found("Sign in"))
}

/// `{response: <sign_in>, client}`.
async fn answer(
    state: &DevState,
    headers: &HeaderMap,
    client_id: &str,
    sign_in: Value,
) -> Result<Response, ClerkApiError> {
    let body = json!({
        "response": sign_in,
        "client": client_json(state, client_id, headers).await?,
    });
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
struct Prepare {
    #[serde(default)]
    strategy: Option<String>,
    #[serde(default)]
    email_address_id: Option<String>,
}

/// `POST …/prepare_first_factor` `{strategy: "reset_password_email_code",
/// email_address_id}`: "Forgot password?". The address gets a code when an
/// account (not banned) has it, and a note that none does otherwise; the
/// answer is the same either way, within the address's ration of codes.
async fn prepare_first_factor(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(form): Params<Prepare>,
) -> Result<Response, ClerkApiError> {
    let (client_id, mut sign_in) = pending(&state, &headers, &id).await?;
    match form.strategy.as_deref() {
        Some(RESET_PASSWORD_EMAIL_CODE) => {}
        Some("password") => return answer(&state, &headers, &client_id, sign_in.to_json()).await,
        _ => {
            return Err(ClerkApiError::invalid(
                "strategy",
                "Only the password and reset_password_email_code strategies are enabled on this instance.",
            ))
        }
    }
    if form.email_address_id.as_deref() != Some(sign_in.reset_address_id.as_str()) {
        return Err(ClerkApiError::invalid(
            "email_address_id",
            "That is not this sign-in's email address.",
        ));
    }
    let account = store::find_by_email(&state.db, &sign_in.email)
        .await?
        .filter(|user| !user.banned);
    let code = match account {
        Some(_) => {
            send_code(
                &state,
                codes::Purpose::ResetPassword,
                &sign_in.email,
                "password reset code",
                |code, app| {
                    format!(
                        "Enter {code} to choose a new password for your {app} account. The code \
                         expires in 10 minutes. If you did not ask for it, ignore this message: \
                         your password stays as it is."
                    )
                },
            )
            .await?
        }
        // The same ration, and a note in place of the code (none for a
        // test address): the code is made, never sent, so no guess is right.
        None => {
            state
                .code_sends
                .charge(codes::Purpose::ResetPassword, &sign_in.email)?;
            if !codes::is_test_address(&sign_in.email) {
                let app = &state.instance.settings().app_name;
                mailbox::send(
                    &state.db,
                    mailbox::Outgoing {
                        to: &sign_in.email,
                        subject: format!("Password reset requested for {app}"),
                        body: format!(
                            "Someone asked to reset the {app} password of this address, but no \
                             {app} account uses it. If it was you, sign up instead; otherwise \
                             ignore this message."
                        ),
                        code: None,
                        link: None,
                    },
                )
                .await?;
            }
            OneTimeCode::new(&sign_in.email)
        }
    };
    sign_in.reset_code = Some(code);
    sign_in.reset_verified = false;
    state.pending_sign_ins.put(&client_id, sign_in.clone());
    answer(&state, &headers, &client_id, sign_in.to_json()).await
}

/// The reset code for this sign-in: right, and it waits for a new password
/// (`needs_new_password`). Charged to the account's budget, as passwords
/// are; a code for an address without an account was never sent, so every
/// guess is wrong, exactly as a wrong guess for one with an account.
async fn attempt_reset_code(
    state: &DevState,
    headers: &HeaderMap,
    path: &str,
    client_id: String,
    mut sign_in: PendingSignIn,
    guess: Option<String>,
) -> Result<Response, ClerkApiError> {
    if let Err(refusal) = charge_identifier(state, &sign_in.email, path).await {
        return Ok(refusal);
    }
    let Some(code) = sign_in.reset_code.as_mut() else {
        return Err(codes::not_sent());
    };
    let mut verdict = code.check(guess.as_deref().unwrap_or_default());
    if verdict == codes::Guess::Verified
        && store::find_by_email(&state.db, &sign_in.email)
            .await?
            .is_none_or(|user| user.banned)
    {
        // Only a test address's fixed code can be right without an
        // account behind it; it is as wrong as any other guess.
        verdict = code.count_wrong();
    }
    if let Some(refusal) = codes::refusal(verdict) {
        state.pending_sign_ins.put(&client_id, sign_in);
        return Err(refusal);
    }
    sign_in.reset_code = None;
    sign_in.reset_verified = true;
    state.pending_sign_ins.put(&client_id, sign_in.clone());
    answer(state, headers, &client_id, sign_in.to_json()).await
}

#[derive(Deserialize)]
struct NewPassword {
    #[serde(default)]
    password: String,
    /// UserProfile's checkbox, on by default in @clerk/ui.
    #[serde(default, deserialize_with = "flag")]
    sign_out_of_other_sessions: bool,
}

/// `true`/`false` as JSON booleans or as clerk-js's form-encoded strings.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => t == "true",
    })
}

/// `POST …/reset_password` `{password, sign_out_of_other_sessions}`: once
/// the reset code was right, the new password (the sign-up rules), the
/// account's failed attempts forgotten, its other sessions signed out when
/// asked, and this browser signed in.
async fn reset_password(
    State(state): State<DevState>,
    headers: HeaderMap,
    activity: store::Activity,
    Path(id): Path<String>,
    Params(form): Params<NewPassword>,
) -> Result<Response, ClerkApiError> {
    let (_, sign_in) = pending(&state, &headers, &id).await?;
    if !sign_in.reset_verified {
        return Err(form_error(
            "verification_missing",
            "Enter the code from your email first.",
        ));
    }
    check_password(&form.password)?;
    let user = store::find_by_email(&state.db, &sign_in.email)
        .await?
        .filter(|user| !user.banned)
        .ok_or_else(|| ClerkApiError::not_found("Sign in"))?;
    store::set_password(&state.db, &user.id, &form.password).await?;
    store::clear_failures(&state.db, &sign_in.email).await?;
    if form.sign_out_of_other_sessions {
        for session in store::active_sessions_of_user(&state.db, &user.id).await? {
            if let Some(id) = session["id"].as_str() {
                store::revoke_session(&state.db, id).await?;
            }
        }
    }
    let email = sign_in.email;
    start_session(&state, &headers, &activity, &user.id, |session_id| {
        let mut done = completed_sign_in(&email, session_id);
        done["first_factor_verification"] =
            json!({"status": "verified", "strategy": RESET_PASSWORD_EMAIL_CODE});
        done
    })
    .await
}
