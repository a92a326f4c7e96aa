//! The caller's profile, from Clerk's Backend API (the source of truth).

use crate::{auth::Auth, clerk::backend::BackendApi, error::AppError, model::UserProfile};

/// Public fields only: `UserProfile` has no place for private metadata.
pub async fn profile(auth: &Auth, clerk: Option<&BackendApi>) -> Result<UserProfile, AppError> {
    let session = auth.require()?;
    Ok(super::clerk_api(clerk)?
        .get_user(&session.user_id)
        .await?
        .public_profile())
}
