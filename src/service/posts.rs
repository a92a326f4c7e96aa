//! Posts, in the caller's personal space or in the Clerk organization their
//! session has active. The author is always the verified caller, and the
//! organization always the verified token's `o` claim — never a request's.
//!
//! - Personal posts: only the author (or an app admin) reads, changes or
//!   deletes them.
//! - Organization posts: members with `org:posts:read` list and read them,
//!   `org:posts:create` writes them, authors change and delete their own,
//!   `org:posts:manage` changes and deletes anyone's — always with that
//!   organization active. Which role holds which permission is the Clerk
//!   instance's configuration (`org:admin` all, `org:member` read and
//!   create); the server checks permissions, as Clerk's `has()` does.
//! - The app's own admins (`metadata.role`) read and change everything.

use super::PageRequest;
use crate::{
    auth::{Auth, Session},
    db::{posts, users, Db},
    error::AppError,
    model::{Caller, NewPost, Page, Post, PostPatch, Role, POSTS_CREATE, POSTS_READ},
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
    } else if title.contains('\0') {
        // PostgreSQL refuses NUL in text (a 500 there); neither backend keeps it.
        fields.insert("title", "Titles cannot contain NUL characters.".to_owned());
    } else if title.chars().count() > TITLE_MAX {
        fields.insert(
            "title",
            format!("Titles can be at most {TITLE_MAX} characters."),
        );
    }
    if content.is_empty() {
        fields.insert("content", "Write something before saving.".to_owned());
    } else if content.contains('\0') {
        fields.insert("content", "Posts cannot contain NUL characters.".to_owned());
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

/// The posts of the space the caller is in, newest first: their personal
/// posts, or — with an organization active and `org:posts:read` — all of
/// that organization's.
pub async fn list(auth: &Auth, db: &Db, page: PageRequest) -> Result<Page<Post>, AppError> {
    let session = auth.require()?;
    let space = match &session.org {
        None => posts::Space::Personal {
            author_id: &session.user_id,
        },
        // The app's own admins keep seeing everything.
        Some(org) if may(&session, POSTS_READ) || session.metadata.role == Role::Admin => {
            posts::Space::Org { org_id: &org.id }
        }
        Some(_) => return Err(missing(POSTS_READ, "read this organization's posts")),
    };
    let (items, total) = posts::page_in(db, space, page.per_page, page.offset()).await?;
    Ok(page.wrap(items, total))
}

/// A new post by the caller, in their active organization (which needs
/// `org:posts:create`) or their personal space.
pub async fn create(auth: &Auth, db: &Db, input: NewPost) -> Result<Post, AppError> {
    let session = auth.require()?;
    let org_id = session.org.as_ref().map(|o| o.id.as_str());
    if org_id.is_some() && !may(&session, POSTS_CREATE) {
        return Err(missing(POSTS_CREATE, "write in this organization"));
    }
    let (title, content) = validate(&input.title, &input.content)?;
    // The users row may not have arrived by webhook yet; a deleted user's
    // last token must not write to the tombstone.
    if !users::ensure_exists(db, &session.user_id).await? {
        return Err(AppError::Unauthenticated);
    }
    // Nor may a token minted before its organization was deleted write
    // into it once Clerk's organization.deleted has arrived (checked in the
    // insert's own transaction, so a deletion being applied cannot miss it).
    match org_id {
        Some(org_id) => posts::create_in_org(db, &session.user_id, org_id, &title, &content)
            .await?
            .ok_or_else(|| AppError::Forbidden("This organization has been deleted.".into())),
        None => Ok(posts::create(db, &session.user_id, None, &title, &content).await?),
    }
}

pub async fn get(auth: &Auth, db: &Db, id: i64) -> Result<Post, AppError> {
    let session = auth.require()?;
    let post = posts::get(db, id).await?.ok_or_else(not_found)?;
    if may_read(&session, &post) {
        Ok(post)
    } else {
        Err(forbidden())
    }
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

fn forbidden() -> AppError {
    AppError::Forbidden("Only the author or an admin can do that to this post.".into())
}

fn missing(permission: &str, to: &str) -> AppError {
    AppError::Forbidden(format!("You need the {permission} permission to {to}."))
}

/// The post, if it exists (404) and the caller may change it (403).
async fn owned(session: &Session, db: &Db, id: i64) -> Result<Post, AppError> {
    let post = posts::get(db, id).await?.ok_or_else(not_found)?;
    if may_change(session, &post) {
        Ok(post)
    } else {
        Err(forbidden())
    }
}

/// An organization permission of the caller's active organization.
fn may(session: &Session, permission: &str) -> bool {
    session.has(crate::auth::Check::Permission(permission))
}

/// The caller as the post rules (`model::Caller`) see them.
fn caller(session: &Session) -> Caller<'_> {
    Caller {
        user_id: &session.user_id,
        app_admin: session.metadata.role == Role::Admin,
        org_id: session.org.as_ref().map(|o| o.id.as_str()),
        permissions: session
            .org
            .as_ref()
            .map_or(&[][..], |o| o.permissions.as_slice()),
    }
}

/// Who may read a post (`model::Caller::may_read`).
pub fn may_read(session: &Session, post: &Post) -> bool {
    caller(session).may_read(post)
}

/// Who may change or delete a post (`model::Caller::may_change`).
pub fn may_change(session: &Session, post: &Post) -> bool {
    caller(session).may_change(post)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_refused_in_either_field() {
        assert_eq!(
            validate("a\0b", "x").unwrap_err().to_string(),
            "Titles cannot contain NUL characters."
        );
        assert_eq!(
            validate("t", "\0").unwrap_err().to_string(),
            "Posts cannot contain NUL characters."
        );
        assert!(validate("tabs\tare fine", "and\nnew lines").is_ok());
    }

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

    fn post(author: &str, org: Option<&str>) -> Post {
        Post {
            id: 1,
            author_id: author.into(),
            org_id: org.map(Into::into),
            title: "t".into(),
            content: "c".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn session(sub: &str, role: &str) -> Session {
        Session::from_claims(
            serde_json::from_value(serde_json::json!({"sub": sub, "metadata": {"role": role}}))
                .unwrap(),
        )
    }

    /// A member of `org` whose role grants `per` (bits of `read,create,manage`).
    fn in_org(sub: &str, org: &str, fpm: u8) -> Session {
        Session::from_claims(
            serde_json::from_value(serde_json::json!({
                "sub": sub, "v": 2, "fea": "o:posts",
                "o": {"id": org, "rol": "member", "per": "read,create,manage", "fpm": fpm.to_string()}
            }))
            .unwrap(),
        )
    }

    #[test]
    fn authors_and_admins_may_change_a_personal_post_nobody_else() {
        let personal = post("user_a", None);
        assert!(may_change(&session("user_a", "member"), &personal));
        assert!(may_change(&session("user_b", "admin"), &personal));
        assert!(!may_change(&session("user_b", "member"), &personal));
        assert!(!may_read(&session("user_b", "member"), &personal));
        // Not even a manager of an organization the author belongs to.
        assert!(!may_change(&in_org("user_b", "org_1", 7), &personal));
    }

    #[test]
    fn organization_posts_follow_the_active_organizations_permissions() {
        let theirs = post("user_admin", Some("org_1"));
        let reader = in_org("user_r", "org_1", 0b001);
        let writer = in_org("user_w", "org_1", 0b011);
        let manager = in_org("user_m", "org_1", 0b111);
        let outsider = in_org("user_o", "org_2", 0b111);
        let no_role_permissions = in_org("user_n", "org_1", 0);
        assert!(may_read(&reader, &theirs) && !may_change(&reader, &theirs));
        assert!(may_read(&writer, &theirs) && !may_change(&writer, &theirs));
        assert!(may_change(&manager, &theirs));
        assert!(!may_read(&outsider, &theirs) && !may_change(&outsider, &theirs));
        assert!(!may_read(&no_role_permissions, &theirs));
        // Authors change their own, with that organization active only.
        let own = post("user_w", Some("org_1"));
        assert!(may_change(&writer, &own));
        assert!(
            !may_change(&session("user_w", "member"), &own),
            "personal space"
        );
        assert!(!may_change(&in_org("user_w", "org_2", 7), &own));
        // The app's admins keep seeing and changing everything.
        assert!(may_read(&session("user_x", "admin"), &theirs));
        assert!(may_change(&session("user_x", "admin"), &theirs));
    }
}
