//! The business rules, written once: plain functions over the verified `Auth`
//! and the database, called by both the JSON API and the server functions.
//! Each one checks the caller itself, whatever the route policy did.

pub mod admin;
pub mod export;
pub mod posts;
pub mod profile;
pub mod stats;
pub mod sync;

use crate::{clerk::backend::BackendApi, error::AppError};

/// The Backend API client, or 503 when no secret key is configured. Called
/// after the caller's own checks, so a stranger learns nothing of the setup.
pub fn clerk_api(clerk: Option<&BackendApi>) -> Result<&BackendApi, AppError> {
    clerk.ok_or_else(|| {
        tracing::error!("a Backend API call needs CLERK_SECRET_KEY, which is not set");
        AppError::Unavailable("Clerk's Backend API is not configured on this server.".into())
    })
}

/// A validated page request (1-based page, bounded page size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl PageRequest {
    pub const DEFAULT_PER_PAGE: i64 = 20;
    pub const MAX_PER_PAGE: i64 = 100;

    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Result<Self, AppError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(Self::DEFAULT_PER_PAGE);
        if page < 1 {
            return Err(AppError::BadRequest("page starts at 1.".into()));
        }
        if !(1..=Self::MAX_PER_PAGE).contains(&per_page) {
            return Err(AppError::BadRequest(format!(
                "per_page must be between 1 and {}.",
                Self::MAX_PER_PAGE
            )));
        }
        // Far-out pages are empty, not an overflow.
        let page = page.min(i64::MAX / Self::MAX_PER_PAGE);
        Ok(PageRequest { page, per_page })
    }

    pub fn offset(self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// `items` as this page of `total`.
    pub fn wrap<T>(self, items: Vec<T>, total: i64) -> crate::model::Page<T> {
        crate::model::Page {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: Self::DEFAULT_PER_PAGE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_validated_and_bounded() {
        assert_eq!(
            PageRequest::new(None, None).unwrap(),
            PageRequest::default()
        );
        assert_eq!(PageRequest::new(Some(3), Some(10)).unwrap().offset(), 20);
        for (page, per_page) in [
            (Some(0), None),
            (None, Some(0)),
            (None, Some(101)),
            (Some(-1), None),
        ] {
            assert_eq!(PageRequest::new(page, per_page).unwrap_err().status(), 400);
        }
        assert!(
            PageRequest::new(Some(i64::MAX), Some(100))
                .unwrap()
                .offset()
                > 0
        );
    }
}
