//! The settings page's call: the caller's profile from Clerk.

use crate::{error::AppError, model::UserProfile};
use leptos::prelude::*;

#[server(endpoint = "user/my_profile")]
pub async fn my_profile() -> Result<UserProfile, AppError> {
    super::with_auth(|state, auth| async move {
        crate::service::profile::profile(&auth, state.clerk_api.as_ref()).await
    })
    .await
}
