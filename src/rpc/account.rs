//! The settings and onboarding pages' calls: the caller's profile in Clerk.

use crate::{error::AppError, model::UserProfile};
use leptos::prelude::*;

/// Onboarding's "confirm your name".
#[server(endpoint = "user/rename")]
pub async fn rename_me(first_name: String, last_name: String) -> Result<UserProfile, AppError> {
    super::with_auth(|state, auth| async move {
        let clerk = state.clerk_api.as_ref();
        crate::service::profile::rename(&auth, &state.db, clerk, &first_name, &last_name).await
    })
    .await
}

#[server(endpoint = "user/my_profile")]
pub async fn my_profile() -> Result<UserProfile, AppError> {
    super::with_auth(|state, auth| async move {
        crate::service::profile::profile(&auth, state.clerk_api.as_ref()).await
    })
    .await
}
