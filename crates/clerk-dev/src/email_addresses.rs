//! A user's further email addresses (UserProfile's "Add email address"):
//! added unverified, verified by a code, made primary, removed. An
//! unverified address signs no one in, receives no invitation and cannot
//! be primary; it is only a claim, so it never blocks the address's owner
//! (a sign-up or a verification by them drops it), and it blocks another
//! claim only while its code could still be entered.

use crate::{
    codes::CODE_LIFETIME_MS,
    db::now_millis,
    ids::new_id,
    store::{user_updated, DevUser, StoreError},
    Db,
};
use sqlx::AnyConnection;

/// Why an address change was refused.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Someone's verified address, or another account's fresh claim (422).
    #[error("that email address is taken")]
    Taken,
    /// Not one of this user's addresses (404).
    #[error("no such email address")]
    NotFound,
    /// The primary address cannot be removed (422).
    #[error("the primary email address cannot be removed")]
    Primary,
    /// Only a verified address can become primary (422).
    #[error("only a verified email address can be primary")]
    Unverified,
}

impl From<sqlx::Error> for EmailError {
    fn from(err: sqlx::Error) -> Self {
        EmailError::Store(err.into())
    }
}

/// Deletes a stale unverified claim on `email` before another account
/// claims it.
async fn drop_stale_claim(conn: &mut AnyConnection, email: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM clerk_dev_email_addresses WHERE email_address = $1 AND verified = 0")
        .bind(email)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Adds `email` to user `user_id`, unverified: its id. Adding one the
/// user already has unverified gives that one back.
pub async fn add(db: &Db, user_id: &str, email: &str) -> Result<(String, DevUser), EmailError> {
    let email = email.trim().to_lowercase();
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    let existing: Option<(String, String, i32, i64)> = sqlx::query_as(
        "SELECT id, user_id, verified, created_at FROM clerk_dev_email_addresses WHERE email_address = $1",
    )
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match existing {
        Some((id, owner, 0, _)) if owner == user_id => id,
        Some((_, _, 0, created_at)) if now_millis() - created_at >= CODE_LIFETIME_MS => {
            // A stale claim of someone else's: it yields.
            drop_stale_claim(&mut tx, &email).await?;
            insert(&mut tx, user_id, &email).await?
        }
        Some(_) => return Err(EmailError::Taken),
        None => insert(&mut tx, user_id, &email).await?,
    };
    Ok((id, commit_updated(tx, user_id).await?))
}

async fn insert(
    conn: &mut AnyConnection,
    user_id: &str,
    email: &str,
) -> Result<String, StoreError> {
    let id = new_id("idn");
    sqlx::query(
        "INSERT INTO clerk_dev_email_addresses (id, user_id, email_address, created_at, verified) \
         VALUES ($1, $2, $3, $4, 0)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(email)
    .bind(now_millis())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Marks the user's address `id` verified, once its code was right.
pub async fn verify(db: &Db, user_id: &str, id: &str) -> Result<DevUser, EmailError> {
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    let updated = sqlx::query(
        "UPDATE clerk_dev_email_addresses SET verified = 1 WHERE id = $1 AND user_id = $2 AND verified = 0",
    )
    .bind(id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(EmailError::NotFound);
    }
    commit_updated(tx, user_id).await
}

/// Removes the user's address `id` (never the primary one).
pub async fn remove(db: &Db, user_id: &str, id: &str) -> Result<DevUser, EmailError> {
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    let primary: Option<(Option<String>,)> =
        sqlx::query_as("SELECT primary_email_address_id FROM clerk_dev_users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    if primary.and_then(|(p,)| p).as_deref() == Some(id) {
        return Err(EmailError::Primary);
    }
    let deleted =
        sqlx::query("DELETE FROM clerk_dev_email_addresses WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    if deleted.rows_affected() == 0 {
        return Err(EmailError::NotFound);
    }
    commit_updated(tx, user_id).await
}

/// Makes the user's verified address `id` their primary one.
pub async fn make_primary(db: &Db, user_id: &str, id: &str) -> Result<DevUser, EmailError> {
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    let address: Option<(i32,)> = sqlx::query_as(
        "SELECT verified FROM clerk_dev_email_addresses WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    match address {
        None => return Err(EmailError::NotFound),
        Some((0,)) => return Err(EmailError::Unverified),
        Some(_) => {}
    }
    sqlx::query(
        "UPDATE clerk_dev_users SET primary_email_address_id = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(user_id)
    .bind(id)
    .bind(now_millis())
    .execute(&mut *tx)
    .await?;
    commit_updated(tx, user_id).await
}

/// Reads the user back, queues `user.updated` and commits: every change
/// here ends so.
async fn commit_updated(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    user_id: &str,
) -> Result<DevUser, EmailError> {
    let user = user_updated(&mut tx, user_id)
        .await?
        .ok_or(EmailError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}
