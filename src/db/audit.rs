//! The audit log: who changed what for whom, and the session events Clerk
//! reports. Append-only.

use super::{Db, DbError};
use crate::model::AuditEntry;
use sqlx::AnyConnection;

/// One entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry<'a> {
    /// The admin who made the change, or the user whose session it is.
    pub actor_id: Option<&'a str>,
    pub subject_id: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    /// Unix milliseconds.
    pub at: i64,
}

/// Appends `entry` through `conn` (a pool, or the caller's transaction, so the
/// entry commits or rolls back with the change it describes).
pub async fn record(conn: &mut AnyConnection, entry: &NewEntry<'_>) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, subject_id, action, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(entry.actor_id)
    .bind(entry.subject_id)
    .bind(entry.action)
    .bind(entry.detail)
    .bind(entry.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Newest first, with the actor's and subject's current emails where the
/// local users table knows them (deleted users have none).
pub async fn list(db: &Db, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, DbError> {
    let entries = sqlx::query_as::<_, AuditEntry>(
        "SELECT a.id, a.actor_id, actor.email AS actor_email, a.subject_id, \
                subject.email AS subject_email, a.action, a.detail, a.created_at \
         FROM audit_log a \
         LEFT JOIN users actor ON actor.id = a.actor_id \
         LEFT JOIN users subject ON subject.id = a.subject_id \
         ORDER BY a.created_at DESC, a.id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    Ok(entries)
}

pub async fn count(db: &Db) -> Result<i64, DbError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log")
        .fetch_one(db.pool())
        .await?;
    Ok(n)
}
