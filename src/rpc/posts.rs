//! The dashboard's calls: the caller's posts.

use crate::{
    error::AppError,
    model::{Page, Post},
};
use leptos::prelude::*;

#[server(endpoint = "protected/list_posts")]
pub async fn list_posts(page: i64) -> Result<Page<Post>, AppError> {
    use crate::service::{posts, PageRequest};
    super::with_auth(|state, auth| async move {
        posts::list(&auth, &state.db, PageRequest::new(Some(page), None)?).await
    })
    .await
}

/// The active organization's name and member count, from the app's
/// webhook-synced tables; `None` in the personal space (or before the
/// organization's webhook has arrived).
#[server(endpoint = "protected/active_organization")]
pub async fn active_organization() -> Result<Option<crate::model::OrgSummary>, AppError> {
    super::with_auth(|state, auth| async move {
        let session = auth.require()?;
        let Some(org) = session.org.as_ref() else {
            return Ok(None);
        };
        let summary = crate::db::organizations::summary(&state.db, &org.id).await?;
        Ok(summary.map(|(name, members)| crate::model::OrgSummary {
            id: org.id.clone(),
            name,
            members,
        }))
    })
    .await
}

#[server(endpoint = "protected/create_post")]
pub async fn create_post(title: String, content: String) -> Result<Post, AppError> {
    super::with_auth(|state, auth| async move {
        let input = crate::model::NewPost { title, content };
        crate::service::posts::create(&auth, &state.db, input).await
    })
    .await
}

#[server(endpoint = "protected/update_post")]
pub async fn update_post(id: i64, title: String, content: String) -> Result<Post, AppError> {
    super::with_auth(|state, auth| async move {
        let patch = crate::model::PostPatch {
            title: Some(title),
            content: Some(content),
        };
        crate::service::posts::update(&auth, &state.db, id, patch).await
    })
    .await
}

#[server(endpoint = "protected/delete_post")]
pub async fn delete_post(id: i64) -> Result<(), AppError> {
    super::with_auth(|state, auth| async move {
        crate::service::posts::delete(&auth, &state.db, id).await
    })
    .await
}
