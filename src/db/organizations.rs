//! The local copy of Clerk's organizations: order-safe upserts from
//! `organization.created`/`updated`, and deletion (its posts with it) from
//! `organization.deleted`, leaving a tombstone so that a token minted before
//! the deletion cannot write into the organization afterwards.

use super::users::Applied;
use super::{now_millis, Db, DbError};
use sqlx::{AnyConnection, Connection};

/// What a Clerk event says about an organization, at the event's `timestamp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: String,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub event_at: i64,
}

/// Inserts or updates the organization unless the row has seen a newer
/// event or is a tombstone.
pub async fn apply_upsert(conn: &mut AnyConnection, org: &OrgRecord) -> Result<Applied, DbError> {
    let result = sqlx::query(
        "INSERT INTO organizations (id, name, slug, created_at, updated_at, last_event_at) \
         VALUES ($1, $2, $3, $4, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET \
             name = excluded.name, slug = excluded.slug, \
             updated_at = excluded.updated_at, last_event_at = excluded.last_event_at \
         WHERE organizations.deleted_at IS NULL \
           AND (organizations.last_event_at IS NULL \
                OR organizations.last_event_at < excluded.last_event_at)",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(&org.slug)
    .bind(now_millis())
    .bind(org.event_at)
    .execute(conn)
    .await?;
    Ok(Applied::from_rows(result.rows_affected()))
}

/// Deletes the organization's posts and leaves a tombstone; `Stale` when it
/// was already deleted.
pub async fn apply_delete(
    conn: &mut AnyConnection,
    id: &str,
    event_at: i64,
) -> Result<Applied, DbError> {
    let now = now_millis();
    let mut tx = conn.begin().await?;
    sqlx::query("DELETE FROM posts WHERE org_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let result = sqlx::query(
        "INSERT INTO organizations (id, created_at, updated_at, deleted_at, last_event_at) \
         VALUES ($1, $2, $2, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET \
             name = NULL, slug = NULL, updated_at = excluded.updated_at, \
             deleted_at = excluded.deleted_at, last_event_at = excluded.last_event_at \
         WHERE organizations.deleted_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(event_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Applied::from_rows(result.rows_affected()))
}

/// Whether Clerk has told this app the organization is deleted.
pub async fn is_deleted(db: &Db, id: &str) -> Result<bool, DbError> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT deleted_at FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.is_some_and(|(deleted_at,)| deleted_at.is_some()))
}
