//! The Pro plan's Markdown export as a server function. The premium page
//! no longer calls it (it fetches `POST /api/premium/generate` through the
//! browser's API client to save a real file); it stays a typed endpoint,
//! under the same route policy, rate budget and tests.

use crate::{error::AppError, model::Export};
use leptos::prelude::*;

#[server(endpoint = "premium/export")]
pub async fn generate_export() -> Result<Export, AppError> {
    super::with_auth(|state, auth| async move {
        crate::service::export::generate(&auth, &state.db).await
    })
    .await
}
