//! The auth layer as Inkpad configures it: Clerk's settings from the app's
//! configuration, its counters, its error format for refusals, and the
//! notice a form posted without JavaScript gets when its sign-in needed
//! renewing.

use super::{AuthService, Policy};
use crate::{config::ClerkConfig, error::AppError};
use axum::response::IntoResponse;
use leptos_clerk::server::{ClerkOptions, Hooks};

/// Where signed-in visitors the policy refuses are sent.
pub const UNAUTHORIZED_URL: &str = "/unauthorized";

/// The layer's service for the app's Clerk settings and `policy`.
pub fn build(
    clerk: &ClerkConfig,
    http: reqwest::Client,
    policy: Policy,
) -> Result<AuthService, String> {
    let options = ClerkOptions {
        publishable_key: clerk.publishable_key.clone(),
        secret_key: clerk.secret_key.clone(),
        jwt_key: clerk.jwt_key.clone(),
        api_url: clerk.api_url.clone(),
        proxy_url: clerk.proxy_url.clone(),
        instance_path: clerk.instance_path.clone(),
        authorized_parties: clerk.authorized_parties.clone(),
        clock_skew: clerk.clock_skew,
        sign_in_url: clerk.sign_in_url.clone(),
        unauthorized_url: UNAUTHORIZED_URL.into(),
        api_prefix: "/api".into(),
    };
    let hooks = Hooks {
        on_verification: crate::metrics::token_verification,
        on_jwks_fetch: |ok| crate::metrics::jwks_fetch(if ok { "ok" } else { "error" }),
        refusal: |err| AppError::from(err).into_response(),
        form_return: form_return_with_notice,
    };
    AuthService::with_hooks(&options, http, policy, hooks)
}

/// The form's page, carrying Leptos' server-action error for the form
/// (`__path`/`__err`) so the page says where the form is that it was not
/// sent, and asks to send it again.
fn form_return_with_notice(action: &str, origin: &str, back: &str) -> String {
    use leptos::server_fn::error::ServerFnUrlError;
    let notice = AppError::Unavailable(
        "Your sign-in needed renewing, so that form was not sent. \
         It is renewed now: please send it again."
            .into(),
    );
    ServerFnUrlError::new(action, notice)
        .to_url(&format!("{origin}{back}"))
        .ok()
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
        .unwrap_or_else(|| back.to_owned())
}
