//! The state every handler, page and server function reads: the database,
//! configuration, the auth service, Clerk's Backend API, rate budgets and
//! Leptos' options. It sits below everything that uses it (start-up builds
//! it; routes and server functions read it), so none of them imports
//! another through it.

use crate::{
    auth::AuthService, clerk::backend::BackendApi, config::Config, db::Db, dev_instance::Running,
    security::rate_limit::RateLimiter,
};
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

/// Everything a handler or server function may need: a handle on
/// [`Shared`], which its fields are read through.
///
/// One reference count to clone. axum clones the state for every layer and
/// handler a request passes through; when the fields were cloned each time
/// (a dozen reference counts and Leptos' options), that cloning and dropping
/// was 12 % of the CPU on the 401 path (perf, wrk at 64 connections).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    pub db: Db,
    pub config: Arc<Config>,
    pub auth: Arc<AuthService>,
    /// The local Clerk development instance, when no Clerk keys are set.
    pub dev_clerk: Option<Running>,
    /// One pooled HTTP client for Clerk's APIs.
    pub http: reqwest::Client,
    /// Clerk's Backend API, when a secret key is configured.
    pub clerk_api: Option<BackendApi>,
    /// Rate budgets, shared by the layer and the handlers that charge
    /// more than one (sign-in attempts per email address).
    pub limiter: Arc<RateLimiter>,
    /// The landing page's counts, recounted every few seconds.
    pub site_stats: Arc<crate::service::stats::SiteStats>,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
