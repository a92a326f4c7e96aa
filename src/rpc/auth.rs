//! The caller's identity for the UI.

use crate::{error::AppError, model::AuthSnapshot};
use leptos::prelude::*;

/// The signed-in user's public identity, or `None` when signed out. Used
/// as a blocking resource so the server-rendered page is already right.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<AuthSnapshot>, AppError> {
    use crate::{auth, startup::AppState};

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
