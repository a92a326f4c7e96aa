//! One module per page of the product.

pub mod admin;
pub mod auth_pages;
pub mod dashboard;
pub mod home;
pub mod not_found;
pub mod onboarding;
pub mod organization;
pub mod premium;
pub mod pricing;
pub mod settings;
pub mod unauthorized;
#[cfg(feature = "ssr")]
pub mod unavailable;
