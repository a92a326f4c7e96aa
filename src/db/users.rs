//! The local copy of Clerk's users: order-safe upserts and GDPR deletion.

use super::{now_millis, Db, DbError};
use crate::model::{Plan, Role, User};
use sqlx::{AnyConnection, Connection, FromRow, Row};

/// What a Clerk event says about a user, at the event's `timestamp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
    pub role: Role,
    pub plan: Plan,
    /// The Clerk event's timestamp; rows only move forward in it.
    pub event_at: i64,
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Changed,
    /// The row already reflects a newer event (or the user was deleted).
    Stale,
}

impl Applied {
    /// `Changed` when the guarded write touched a row, `Stale` when its
    /// `WHERE` (a newer event, a tombstone) held it back.
    pub fn from_rows(rows_affected: u64) -> Self {
        if rows_affected > 0 {
            Applied::Changed
        } else {
            Applied::Stale
        }
    }
}

const COLUMNS: &str = "id, email, first_name, last_name, image_url, role, plan, \
                       created_at, updated_at, deleted_at, last_event_at";

/// Inserts or updates the user, unless the stored row has already seen a
/// newer event or is a deletion tombstone: events arrive out of order and an
/// older one must never overwrite newer data. Runs on `conn` (a pool, or the
/// caller's transaction).
pub async fn apply_upsert(conn: &mut AnyConnection, user: &UserRecord) -> Result<Applied, DbError> {
    let now = now_millis();
    let result = sqlx::query(
        "INSERT INTO users (id, email, first_name, last_name, image_url, role, plan, \
                            created_at, updated_at, last_event_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET \
             email = excluded.email, first_name = excluded.first_name, \
             last_name = excluded.last_name, image_url = excluded.image_url, \
             role = excluded.role, plan = excluded.plan, \
             updated_at = excluded.updated_at, last_event_at = excluded.last_event_at \
         WHERE users.deleted_at IS NULL \
           AND (users.last_event_at IS NULL OR users.last_event_at < excluded.last_event_at)",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(&user.first_name)
    .bind(&user.last_name)
    .bind(&user.image_url)
    .bind(user.role.as_str())
    .bind(user.plan.as_str())
    .bind(now)
    .bind(user.event_at)
    .execute(conn)
    .await?;
    Ok(Applied::from_rows(result.rows_affected()))
}

/// Deletes the user's posts and turns the user into a tombstone with no
/// personal data, in one transaction. Deletion is final whatever the event
/// order; the tombstone stops late `user.updated` events from resurrecting it.
/// Inside the caller's transaction this is a savepoint of it.
pub async fn apply_delete(
    conn: &mut AnyConnection,
    id: &str,
    event_at: i64,
) -> Result<Applied, DbError> {
    let now = now_millis();
    let mut tx = conn.begin().await?;
    sqlx::query("DELETE FROM posts WHERE author_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // A deleted user belongs to no organization any more.
    sqlx::query(
        "UPDATE organization_memberships SET deleted_at = $2, updated_at = $2 \
         WHERE user_id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let result = sqlx::query(
        "INSERT INTO users (id, created_at, updated_at, deleted_at, last_event_at) \
         VALUES ($1, $2, $2, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET \
             email = NULL, first_name = NULL, last_name = NULL, image_url = NULL, \
             updated_at = excluded.updated_at, deleted_at = excluded.deleted_at, \
             last_event_at = excluded.last_event_at \
         WHERE users.deleted_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(event_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Applied::from_rows(result.rows_affected()))
}

/// Makes sure a row exists for a signed-in user before they own anything,
/// without overwriting what webhooks wrote. The webhook that follows fills in
/// the details (its event is newer than "never"). `false` when the user has
/// been deleted in Clerk (a token can outlive its user by a minute).
pub async fn ensure_exists(db: &Db, id: &str) -> Result<bool, DbError> {
    let now = now_millis();
    sqlx::query(
        "INSERT INTO users (id, created_at, updated_at) VALUES ($1, $2, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(get(db, id).await?.is_some())
}

/// A live (not deleted) user by id.
pub async fn get(db: &Db, id: &str) -> Result<Option<User>, DbError> {
    let user = sqlx::query_as::<_, User>(&format!(
        "SELECT {COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(user)
}

/// A user row by id, tombstones included (for sync bookkeeping and tests).
pub async fn get_any(db: &Db, id: &str) -> Result<Option<User>, DbError> {
    let user = sqlx::query_as::<_, User>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(user)
}

/// A page of live users, newest first, optionally filtered by a
/// case-insensitive substring of email or name, and how many match in all —
/// in one round trip. Without a search no search condition is sent at all,
/// so the planner walks the newest-first index; with one, PostgreSQL uses
/// its trigram indexes on the same expressions.
pub async fn page(
    db: &Db,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<User>, i64), DbError> {
    let pattern = search_pattern(search);
    let filter = if pattern.is_some() { SEARCH } else { "TRUE" };
    let (limit_at, offset_at) = if pattern.is_some() {
        ("$2", "$3")
    } else {
        ("$1", "$2")
    };
    let sql = format!(
        "WITH total AS (SELECT COUNT(*) AS n FROM users WHERE deleted_at IS NULL AND ({filter})), \
         page AS (SELECT {COLUMNS} FROM users WHERE deleted_at IS NULL AND ({filter}) \
                  ORDER BY created_at DESC, id DESC LIMIT {limit_at} OFFSET {offset_at}) \
         SELECT total.n AS total, page.* FROM total LEFT JOIN page ON 1 = 1 \
         ORDER BY page.created_at DESC, page.id DESC"
    );
    let mut query = sqlx::query(&sql);
    if let Some(pattern) = pattern {
        query = query.bind(pattern);
    }
    let rows = query.bind(limit).bind(offset).fetch_all(db.pool()).await?;
    let total = match rows.first() {
        Some(row) => row.try_get::<i64, _>("total")?,
        None => 0,
    };
    let mut users = Vec::with_capacity(rows.len());
    for row in &rows {
        if row.try_get::<Option<String>, _>("id")?.is_some() {
            users.push(User::from_row(row)?);
        }
    }
    Ok((users, total))
}

/// `$1` is a lower-cased `%…%` pattern; the expressions are the ones
/// PostgreSQL's trigram indexes are built on.
const SEARCH: &str = "LOWER(COALESCE(email, '')) LIKE $1 ESCAPE '\\' \
    OR LOWER(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')) LIKE $1 ESCAPE '\\'";

/// The user's text matched literally: `%` and `_` in a search are not wildcards.
fn search_pattern(search: Option<&str>) -> Option<String> {
    search.map(str::trim).filter(|s| !s.is_empty()).map(|s| {
        let mut pattern = String::with_capacity(s.len() + 2);
        pattern.push('%');
        for c in s.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    })
}
