//! Public site statistics shown on the landing page.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteCounts {
    pub writers: i64,
    pub posts: i64,
    /// When the server counted them (unix milliseconds; counts are kept
    /// for a few seconds).
    pub checked_at: i64,
}

#[server(endpoint = "site_stats")]
pub async fn site_stats() -> Result<SiteCounts, AppError> {
    use crate::state::AppState;

    let state = expect_context::<AppState>();
    let counts = state
        .site_stats
        .get(&state.db)
        .await
        .map_err(|e| AppError::from(e).into_server_fn_error())?;
    Ok(SiteCounts {
        writers: counts.writers,
        posts: counts.posts,
        checked_at: counts.counted_at,
    })
}
