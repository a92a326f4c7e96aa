//! The caller's profile, from Clerk's Backend API (the source of truth).

use crate::{
    auth::Auth,
    clerk::{
        backend::{BackendApi, UserUpdate},
        metadata::public_profile,
    },
    db::{users, Db},
    error::AppError,
    model::UserProfile,
};

pub const NAME_MAX: usize = 100;

/// Public fields only: `UserProfile` has no place for private metadata.
pub async fn profile(auth: &Auth, clerk: Option<&BackendApi>) -> Result<UserProfile, AppError> {
    let session = auth.require()?;
    let user = super::clerk_api(clerk)?.get_user(&session.user_id).await?;
    Ok(public_profile(&user))
}

/// Sets the caller's own name in Clerk, then in the local copy (the
/// `user.updated` webhook that follows finds it already applied).
pub async fn rename(
    auth: &Auth,
    db: &Db,
    clerk: Option<&BackendApi>,
    first_name: &str,
    last_name: &str,
) -> Result<UserProfile, AppError> {
    let session = auth.require()?;
    let (first_name, last_name) = (first_name.trim(), last_name.trim());
    if first_name.is_empty() {
        return Err(AppError::invalid_field(
            "first_name",
            "Enter your first name.",
        ));
    }
    let too_long = format!("Names can be at most {NAME_MAX} characters.");
    if first_name.chars().count() > NAME_MAX {
        return Err(AppError::invalid_field("first_name", too_long));
    }
    if last_name.chars().count() > NAME_MAX {
        return Err(AppError::invalid_field("last_name", too_long));
    }
    // As Clerk's own name check and the organizations' do; NUL would also
    // be a 500 on PostgreSQL, which refuses it in text.
    for (field, name) in [("first_name", first_name), ("last_name", last_name)] {
        if name.chars().any(char::is_control) {
            return Err(AppError::invalid_field(
                field,
                "Names cannot contain control characters.",
            ));
        }
    }
    let update = UserUpdate {
        first_name: Some(first_name.to_owned()),
        last_name: Some(last_name.to_owned()),
        ..UserUpdate::default()
    };
    let user = super::clerk_api(clerk)?
        .update_user(&session.user_id, &update)
        .await?;
    let record = super::sync::user_record(&user, user.updated_at);
    let mut conn = db.acquire().await?;
    users::apply_upsert(&mut conn, &record).await?;
    Ok(public_profile(&user))
}
