//! Posts and their authors. Ownership rules live in the service layer; this
//! module only stores and fetches.

use super::{now_millis, Backend, Db, DbError};
use crate::model::Post;

const COLUMNS: &str = "id, author_id, org_id, title, content, created_at, updated_at";

/// Which posts a list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space<'a> {
    /// One author's personal posts (not those they wrote in organizations).
    Personal { author_id: &'a str },
    /// Every post of one organization.
    Org { org_id: &'a str },
}

/// A new post by `author_id`, in `org_id` or (`None`) their personal space.
pub async fn create(
    db: &Db,
    author_id: &str,
    org_id: Option<&str>,
    title: &str,
    content: &str,
) -> Result<Post, DbError> {
    let now = now_millis();
    let post = sqlx::query_as::<_, Post>(&format!(
        "INSERT INTO posts (author_id, org_id, title, content, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLUMNS}"
    ))
    .bind(author_id)
    .bind(org_id)
    .bind(title)
    .bind(content)
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    Ok(post)
}

/// A new post in organization `org_id`, unless Clerk has told this app the
/// organization is deleted (`None`). The check and the insert are one
/// transaction holding the organization's row: on PostgreSQL the row is
/// read `FOR SHARE`, so an `organization.deleted` being applied (which
/// writes the tombstone before removing the posts) either waits for this
/// post and then removes it, or commits first and this sees the tombstone;
/// on SQLite the transaction's write lock orders the two the same way.
pub async fn create_in_org(
    db: &Db,
    author_id: &str,
    org_id: &str,
    title: &str,
    content: &str,
) -> Result<Option<Post>, DbError> {
    let now = now_millis();
    let mut tx = db.begin().await?;
    // A row to hold, before the organization's own webhook brings its name.
    sqlx::query(
        "INSERT INTO organizations (id, created_at, updated_at) VALUES ($1, $2, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(org_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let lock = match db.backend() {
        Backend::Postgres => " FOR SHARE",
        Backend::Sqlite => "",
    };
    let (deleted_at,): (Option<i64>,) = sqlx::query_as(&format!(
        "SELECT deleted_at FROM organizations WHERE id = $1{lock}"
    ))
    .bind(org_id)
    .fetch_one(&mut *tx)
    .await?;
    if deleted_at.is_some() {
        return Ok(None);
    }
    let post = sqlx::query_as::<_, Post>(&format!(
        "INSERT INTO posts (author_id, org_id, title, content, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLUMNS}"
    ))
    .bind(author_id)
    .bind(org_id)
    .bind(title)
    .bind(content)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(post))
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Post>, DbError> {
    let post = sqlx::query_as::<_, Post>(&format!("SELECT {COLUMNS} FROM posts WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(post)
}

/// A page of a space's posts, newest first, and how many it has in all —
/// in one round trip: the count and the page are two index scans of one
/// statement.
pub async fn page_in(
    db: &Db,
    space: Space<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Post>, i64), DbError> {
    let (filter, key) = match space {
        Space::Personal { author_id } => ("author_id = $1 AND org_id IS NULL", author_id),
        Space::Org { org_id } => ("org_id = $1", org_id),
    };
    let rows = sqlx::query_as::<_, PageRow>(&format!(
        "WITH total AS (SELECT COUNT(*) AS n FROM posts WHERE {filter}), \
         page AS (SELECT id, author_id, org_id, title, content, created_at, updated_at FROM posts \
                  WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3) \
         SELECT total.n AS total, page.id, page.author_id, page.org_id, page.title, page.content, \
                page.created_at, page.updated_at \
         FROM total LEFT JOIN page ON 1 = 1 \
         ORDER BY page.created_at DESC, page.id DESC"
    ))
    .bind(key)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((
        rows.into_iter().filter_map(PageRow::into_post).collect(),
        total,
    ))
}

/// One row of `page_in`: the total, and a post unless the page is empty.
#[derive(sqlx::FromRow)]
struct PageRow {
    total: i64,
    id: Option<i64>,
    author_id: Option<String>,
    org_id: Option<String>,
    title: Option<String>,
    content: Option<String>,
    created_at: Option<i64>,
    updated_at: Option<i64>,
}

impl PageRow {
    fn into_post(self) -> Option<Post> {
        Some(Post {
            id: self.id?,
            author_id: self.author_id?,
            org_id: self.org_id,
            title: self.title?,
            content: self.content?,
            created_at: self.created_at?,
            updated_at: self.updated_at?,
        })
    }
}

/// Every post of the author, oldest first (for exports).
pub async fn all_by_author(db: &Db, author_id: &str) -> Result<Vec<Post>, DbError> {
    let posts = sqlx::query_as::<_, Post>(&format!(
        "SELECT {COLUMNS} FROM posts WHERE author_id = $1 ORDER BY created_at, id"
    ))
    .bind(author_id)
    .fetch_all(db.pool())
    .await?;
    Ok(posts)
}

pub async fn count_by_author(db: &Db, author_id: &str) -> Result<i64, DbError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM posts WHERE author_id = $1")
        .bind(author_id)
        .fetch_one(db.pool())
        .await?;
    Ok(n)
}

/// Replaces title and content; `None` when there is no such post.
pub async fn update(db: &Db, id: i64, title: &str, content: &str) -> Result<Option<Post>, DbError> {
    let post = sqlx::query_as::<_, Post>(&format!(
        "UPDATE posts SET title = $2, content = $3, updated_at = $4 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(title)
    .bind(content)
    .bind(now_millis())
    .fetch_optional(db.pool())
    .await?;
    Ok(post)
}

/// `true` when a post was deleted.
pub async fn delete(db: &Db, id: i64) -> Result<bool, DbError> {
    let result = sqlx::query("DELETE FROM posts WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected() > 0)
}
