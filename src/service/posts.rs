//! Posts: anyone signed in writes their own; only the author or an admin may
//! read, change or delete one. The author is always the verified caller.

use super::PageRequest;
use crate::{
    auth::{Auth, Session},
    db::{posts, users, Db},
    error::AppError,
    model::{NewPost, Page, Post, PostPatch, Role},
};
use std::collections::BTreeMap;

pub const TITLE_MAX: usize = 200;
pub const CONTENT_MAX: usize = 20_000;

/// Trimmed title and content, or a message per field the writer needs to fix.
pub fn validate(title: &str, content: &str) -> Result<(String, String), AppError> {
    let title = title.trim();
    let content = content.trim();
    let mut fields = BTreeMap::new();
    if title.is_empty() {
        fields.insert("title", "Give your post a title.".to_owned());
    } else if title.chars().count() > TITLE_MAX {
        fields.insert(
            "title",
            format!("Titles can be at most {TITLE_MAX} characters."),
        );
    }
    if content.is_empty() {
        fields.insert("content", "Write something before saving.".to_owned());
    } else if content.chars().count() > CONTENT_MAX {
        fields.insert(
            "content",
            format!("Posts can be at most {CONTENT_MAX} characters."),
        );
    }
    if let Some(message) = fields
        .get("title")
        .or_else(|| fields.get("content"))
        .cloned()
    {
        return Err(AppError::Invalid {
            message,
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        });
    }
    Ok((title.to_owned(), content.to_owned()))
}

/// The caller's own posts, newest first.
pub async fn list(auth: &Auth, db: &Db, page: PageRequest) -> Result<Page<Post>, AppError> {
    let session = auth.require()?;
    let (items, total) =
        posts::page_by_author(db, &session.user_id, page.per_page, page.offset()).await?;
    Ok(page.wrap(items, total))
}

pub async fn create(auth: &Auth, db: &Db, input: NewPost) -> Result<Post, AppError> {
    let session = auth.require()?;
    let (title, content) = validate(&input.title, &input.content)?;
    // The users row may not have arrived by webhook yet; a deleted user's
    // last token must not write to the tombstone.
    if !users::ensure_exists(db, &session.user_id).await? {
        return Err(AppError::Unauthenticated);
    }
    Ok(posts::create(db, &session.user_id, &title, &content).await?)
}

pub async fn get(auth: &Auth, db: &Db, id: i64) -> Result<Post, AppError> {
    let session = auth.require()?;
    owned(&session, db, id).await
}

/// Applies the fields present in `patch`.
pub async fn update(auth: &Auth, db: &Db, id: i64, patch: PostPatch) -> Result<Post, AppError> {
    let session = auth.require()?;
    let post = owned(&session, db, id).await?;
    let (title, content) = validate(
        patch.title.as_deref().unwrap_or(&post.title),
        patch.content.as_deref().unwrap_or(&post.content),
    )?;
    posts::update(db, id, &title, &content)
        .await?
        .ok_or_else(not_found)
}

pub async fn delete(auth: &Auth, db: &Db, id: i64) -> Result<(), AppError> {
    let session = auth.require()?;
    owned(&session, db, id).await?;
    if posts::delete(db, id).await? {
        Ok(())
    } else {
        Err(not_found())
    }
}

fn not_found() -> AppError {
    AppError::NotFound("No such post.".into())
}

/// The post, if it exists (404) and the caller may touch it (403).
async fn owned(session: &Session, db: &Db, id: i64) -> Result<Post, AppError> {
    let post = posts::get(db, id).await?.ok_or_else(not_found)?;
    if may_change(session, &post) {
        Ok(post)
    } else {
        Err(AppError::Forbidden(
            "Only the author or an admin can do that to this post.".into(),
        ))
    }
}

/// The one ownership rule.
pub fn may_change(session: &Session, post: &Post) -> bool {
    post.author_id == session.user_id || session.role == Role::Admin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_content_are_trimmed_and_bounded() {
        assert_eq!(
            validate("  Hello ", "\nworld\n").unwrap(),
            ("Hello".to_owned(), "world".to_owned())
        );
        assert_eq!(
            validate("   ", "x").unwrap_err().to_string(),
            "Give your post a title."
        );
        assert_eq!(
            validate("t", " \n ").unwrap_err().to_string(),
            "Write something before saving."
        );
        assert!(
            validate(&"é".repeat(TITLE_MAX), "x").is_ok(),
            "characters, not bytes"
        );
        let long = validate(&"a".repeat(TITLE_MAX + 1), "x").unwrap_err();
        assert_eq!(long.status(), 422);
        assert!(long.field("title").is_some() && long.field("content").is_none());
        assert!(validate("t", &"a".repeat(CONTENT_MAX + 1))
            .unwrap_err()
            .field("content")
            .is_some());
        // Every field that is wrong is named at once.
        let both = validate("", "").unwrap_err();
        assert_eq!(both.field("title"), Some("Give your post a title."));
        assert_eq!(
            both.field("content"),
            Some("Write something before saving.")
        );
    }

    #[test]
    fn authors_and_admins_may_change_a_post_nobody_else() {
        let session = |sub: &str, role: &str| {
            Session::from_claims(
                serde_json::from_value(serde_json::json!({"sub": sub, "metadata": {"role": role}}))
                    .unwrap(),
            )
        };
        let post = Post {
            id: 1,
            author_id: "user_a".into(),
            title: "t".into(),
            content: "c".into(),
            created_at: 0,
            updated_at: 0,
        };
        assert!(may_change(&session("user_a", "member"), &post));
        assert!(may_change(&session("user_b", "admin"), &post));
        assert!(!may_change(&session("user_b", "member"), &post));
    }
}
