//! [`ClerkSettings`]: what the browser needs to load Clerk and where its
//! forms send people. The app's server fills it from its configuration
//! (only the publishable key and public URLs: nothing secret) and hands it
//! to [`crate::ClerkProvider`].

use serde::{Deserialize, Serialize};

/// Clerk's browser configuration, all of it public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkSettings {
    /// `pk_test_…` / `pk_live_…`.
    pub publishable_key: String,
    /// clerk-js, from the frontend API (or through the proxy path).
    pub script_url: String,
    /// `@clerk/ui`'s browser build, from the same place: Clerk's widgets.
    pub ui_script_url: String,
    /// Set when the frontend API is reached through the app's origin.
    pub proxy_url: Option<String>,
    /// The app's sign-in page (its path routes Clerk's sign-in form).
    pub sign_in_url: String,
    /// The app's sign-up page (its path routes Clerk's sign-up form).
    pub sign_up_url: String,
    /// Where a sign-in ends when no `redirect_url` says otherwise.
    pub after_sign_in_url: String,
    /// Where a sign-up ends when no `redirect_url` says otherwise.
    pub after_sign_up_url: String,
    /// Where a sign-out ends.
    pub after_sign_out_url: String,
}

#[cfg(feature = "ssr")]
impl ClerkSettings {
    /// The settings for an instance's publishable key: clerk-js and
    /// `@clerk/ui` from its frontend API, or through `proxy_url` when the
    /// app proxies it; Clerk's conventional pages (`/sign-in`, `/sign-up`,
    /// back to `/` afterwards), which the app overrides as it needs.
    pub fn from_key(
        publishable_key: &clerk_protocol::keys::PublishableKey,
        proxy_url: Option<&str>,
    ) -> Self {
        let base = proxy_url.map_or_else(|| publishable_key.frontend_api_url(), str::to_owned);
        ClerkSettings {
            publishable_key: publishable_key.as_str().to_owned(),
            script_url: format!("{base}{}", clerk_protocol::CLERK_JS_PATH),
            ui_script_url: format!("{base}{}", clerk_protocol::CLERK_UI_PATH),
            proxy_url: proxy_url.map(str::to_owned),
            sign_in_url: "/sign-in".into(),
            sign_up_url: "/sign-up".into(),
            after_sign_in_url: "/".into(),
            after_sign_up_url: "/".into(),
            after_sign_out_url: "/".into(),
        }
    }
}
