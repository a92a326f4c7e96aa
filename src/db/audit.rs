//! The audit log: who changed what for whom, and the session events Clerk
//! reports. Append-only, except that a requested change is settled once.

use super::{Db, DbError};
use crate::model::{AuditEntry, AuditStatus};
use sqlx::AnyConnection;

/// One entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry<'a> {
    /// The admin who made the change, or the user whose session it is.
    pub actor_id: Option<&'a str>,
    pub subject_id: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    /// The value a `role.changed` / `plan.changed` entry sets.
    pub new_value: Option<&'a str>,
    pub status: AuditStatus,
    /// Unix milliseconds.
    pub at: i64,
}

/// Appends `entry` through `conn` (a pool connection, or the caller's
/// transaction, so the entry commits or rolls back with the change it
/// describes); returns its id.
pub async fn record(conn: &mut AnyConnection, entry: &NewEntry<'_>) -> Result<i64, DbError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO audit_log (actor_id, subject_id, action, detail, new_value, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(entry.actor_id)
    .bind(entry.subject_id)
    .bind(entry.action)
    .bind(entry.detail)
    .bind(entry.new_value)
    .bind(entry.status.as_str())
    .bind(entry.at)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Settles a `requested` entry as `done` or `failed`; an entry already
/// settled (say, by the webhook that brought the change) stays as it is.
pub async fn settle(conn: &mut AnyConnection, id: i64, status: AuditStatus) -> Result<(), DbError> {
    sqlx::query("UPDATE audit_log SET status = $2 WHERE id = $1 AND status = 'requested'")
        .bind(id)
        .bind(status.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks `done` the requested role and plan changes of `subject_id` that the
/// local copy now reflects: the admin's request failed after Clerk's write,
/// and Clerk's webhook has since brought the change.
pub async fn confirm_reflected(
    conn: &mut AnyConnection,
    subject_id: &str,
    role: &str,
    plan: &str,
) -> Result<u64, DbError> {
    let result = sqlx::query(
        "UPDATE audit_log SET status = 'done' \
         WHERE subject_id = $1 AND status = 'requested' \
           AND ((action = 'role.changed' AND new_value = $2) \
             OR (action = 'plan.changed' AND new_value = $3))",
    )
    .bind(subject_id)
    .bind(role)
    .bind(plan)
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// Newest first, with the actor's and subject's current emails where the
/// local users table knows them (deleted users have none).
pub async fn list(db: &Db, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, DbError> {
    let entries = sqlx::query_as::<_, AuditEntry>(
        "SELECT a.id, a.actor_id, actor.email AS actor_email, a.subject_id, \
                subject.email AS subject_email, a.action, a.detail, a.status, a.created_at \
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
