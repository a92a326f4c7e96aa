//! The premium page's call: the Pro plan's Markdown export.

use crate::{error::AppError, model::Export};
use leptos::prelude::*;

#[server(endpoint = "premium/export")]
pub async fn generate_export() -> Result<Export, AppError> {
    super::with_auth(|state, auth| async move {
        crate::service::export::generate(&auth, &state.db).await
    })
    .await
}
