//! The landing page's public counts (writers and posts), counted at most
//! once every few seconds rather than on every visit: a busy landing page
//! must not turn into two table counts per request. The numbers shown say
//! when they were counted.

use crate::db::{self, now_millis, Db, DbError};
use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long a count is served before counting again.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// Writers, posts, and when they were counted (unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub writers: i64,
    pub posts: i64,
    pub counted_at: i64,
}

#[derive(Default)]
pub struct SiteStats {
    last: Mutex<Option<(Instant, Counts)>>,
}

impl SiteStats {
    /// The counts, from the last few seconds or counted now.
    pub async fn get(&self, db: &Db) -> Result<Counts, DbError> {
        if let Some((at, counts)) = *self.last.lock().unwrap_or_else(|e| e.into_inner()) {
            if at.elapsed() < FRESH_FOR {
                return Ok(counts);
            }
        }
        let (writers, posts) = db::site_stats(db).await?;
        let counts = Counts {
            writers,
            posts,
            counted_at: now_millis(),
        };
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), counts));
        Ok(counts)
    }
}
