//! The local copy of Clerk's organizations and their memberships:
//! order-safe upserts from `organization.created`/`updated` and
//! `organizationMembership.*`, and deletion (its posts and memberships with
//! it) from `organization.deleted`, leaving a tombstone so that a token
//! minted before the deletion cannot write into the organization afterwards.

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
    // The tombstone first: it takes the organization's row, so a post being
    // written there (which holds that row, `posts::create_in_org`) either
    // commits before the posts below are removed, or sees the tombstone.
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
    for table in [
        "posts WHERE org_id",
        "organization_memberships WHERE organization_id",
    ] {
        sqlx::query(&format!("DELETE FROM {table} = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
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

/// What a Clerk event says about a membership, at the event's `timestamp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRecord {
    pub organization_id: String,
    pub user_id: String,
    pub role: String,
    pub event_at: i64,
}

/// Records the membership (or its new role) unless the row has seen a
/// newer event or the organization is deleted. A removal is undone only by
/// a newer event: people rejoin.
pub async fn apply_membership(
    conn: &mut AnyConnection,
    m: &MembershipRecord,
) -> Result<Applied, DbError> {
    let result = sqlx::query(
        "INSERT INTO organization_memberships \
             (organization_id, user_id, role, updated_at, deleted_at, last_event_at) \
         SELECT $1, $2, $3, $4, NULL, $5 \
         WHERE NOT EXISTS (SELECT 1 FROM organizations \
                           WHERE id = $1 AND deleted_at IS NOT NULL) \
         ON CONFLICT (organization_id, user_id) DO UPDATE SET \
             role = excluded.role, updated_at = excluded.updated_at, deleted_at = NULL, \
             last_event_at = excluded.last_event_at \
         WHERE organization_memberships.last_event_at < excluded.last_event_at",
    )
    .bind(&m.organization_id)
    .bind(&m.user_id)
    .bind(&m.role)
    .bind(now_millis())
    .bind(m.event_at)
    .execute(conn)
    .await?;
    Ok(Applied::from_rows(result.rows_affected()))
}

/// Marks the membership removed unless the row has seen a newer event (a
/// removal that arrives before its creation still wins over it).
pub async fn apply_membership_removed(
    conn: &mut AnyConnection,
    m: &MembershipRecord,
) -> Result<Applied, DbError> {
    let now = now_millis();
    let result = sqlx::query(
        "INSERT INTO organization_memberships \
             (organization_id, user_id, role, updated_at, deleted_at, last_event_at) \
         VALUES ($1, $2, $3, $4, $4, $5) \
         ON CONFLICT (organization_id, user_id) DO UPDATE SET \
             updated_at = excluded.updated_at, deleted_at = excluded.deleted_at, \
             last_event_at = excluded.last_event_at \
         WHERE organization_memberships.last_event_at < excluded.last_event_at",
    )
    .bind(&m.organization_id)
    .bind(&m.user_id)
    .bind(&m.role)
    .bind(now)
    .bind(m.event_at)
    .execute(conn)
    .await?;
    Ok(Applied::from_rows(result.rows_affected()))
}

/// How many current members the app knows the organization to have.
pub async fn member_count(db: &Db, id: &str) -> Result<i64, DbError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM organization_memberships \
         WHERE organization_id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    Ok(n)
}

/// The organization's name as the app last heard it, and its current
/// member count (both from webhooks); `None` when the app has not heard of
/// it or it is deleted.
pub async fn summary(db: &Db, id: &str) -> Result<Option<(Option<String>, i64)>, DbError> {
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT name, deleted_at FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    match row {
        Some((name, None)) => Ok(Some((name, member_count(db, id).await?))),
        _ => Ok(None),
    }
}
