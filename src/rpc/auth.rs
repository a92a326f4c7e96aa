//! The caller's identity and Clerk's public settings, for the UI.

use crate::{
    error::AppError,
    model::{AuthSnapshot, ClerkSettings},
};
use leptos::prelude::*;

/// The signed-in user's public identity, or `None` when signed out. Used
/// as a blocking resource so the server-rendered page is already right, and
/// refetched when Clerk reports a new session state in the browser.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<AuthSnapshot>, AppError> {
    use crate::{auth, state::AppState};

    let state = expect_context::<AppState>();
    let auth = auth::auth().await?;
    match auth.session() {
        None => Ok(None),
        Some(session) => auth::snapshot::snapshot(session, &state.db)
            .await
            .map(Some)
            .map_err(|e| AppError::from(e).into_server_fn_error()),
    }
}

/// Where clerk-js comes from and where sign-in lives. Never a secret.
#[server(endpoint = "clerk_settings")]
pub async fn load_clerk_settings() -> Result<ClerkSettings, AppError> {
    use crate::state::AppState;

    let state = expect_context::<AppState>();
    let clerk = &state.config.clerk;
    let Some(pk) = &clerk.publishable_key else {
        return Err(AppError::Unavailable("Clerk is not configured.".into()).into_server_fn_error());
    };
    Ok(ClerkSettings {
        sign_in_url: clerk.sign_in_url.clone(),
        sign_up_url: clerk.sign_up_url.clone(),
        after_sign_in_url: clerk.after_sign_in_url.clone(),
        after_sign_up_url: clerk.after_sign_up_url.clone(),
        ..ClerkSettings::from_key(pk, clerk.proxy_url.as_deref())
    })
}
