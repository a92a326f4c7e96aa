//! The hooks: [`use_auth`] (status, ids, `has()`, tokens, sign-out,
//! reverification), [`use_user`], [`use_session`], [`use_organization`].
//!
//! Their getters read the provider's resource. In views, read them inside
//! `Show` (or another `Suspense`/`Transition`) so that the server renders
//! what hydration expects.

use crate::{
    context::ClerkContext,
    redirect::with_redirect,
    settings::ClerkSettings,
    user::{AuthUser, Organization},
    when::When,
};
use leptos::prelude::*;
use std::sync::Arc;

/// Signed in, signed out, or not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStatus {
    /// The server's answer is on its way.
    Loading,
    /// Nobody is signed in (or the server could not tell).
    SignedOut,
    /// A verified session.
    SignedIn,
}

/// The caller's auth state and actions, as Clerk's `useAuth()`.
#[derive(Clone, Copy)]
pub struct UseAuth {
    ctx: ClerkContext,
}

/// The caller's auth state and actions (see [`UseAuth`]).
pub fn use_auth() -> UseAuth {
    UseAuth {
        ctx: ClerkContext::get(),
    }
}

/// The signed-in caller as the app's own type `U` (the type its provider
/// holds); `None` when signed out or loading.
pub fn use_user<U: AuthUser + Clone>() -> Signal<Option<U>> {
    let auth = use_auth();
    Signal::derive(move || auth.user::<U>())
}

/// The session's id (`sess_…`); `None` when signed out or loading.
pub fn use_session() -> Signal<Option<String>> {
    let auth = use_auth();
    Signal::derive(move || auth.session_id())
}

/// The session's active organization, as the verified token names it
/// (`None`: signed out, loading, or the personal space).
pub fn use_organization() -> Signal<Option<Organization>> {
    let auth = use_auth();
    Signal::derive(move || auth.organization())
}

impl UseAuth {
    fn caller(&self) -> Option<Option<Arc<dyn AuthUser>>> {
        self.ctx.caller.try_get().flatten()
    }

    /// Signed in, signed out or loading.
    pub fn status(&self) -> AuthStatus {
        match self.caller() {
            None => AuthStatus::Loading,
            Some(None) => AuthStatus::SignedOut,
            Some(Some(_)) => AuthStatus::SignedIn,
        }
    }

    /// The server's answer has arrived.
    pub fn is_loaded(&self) -> bool {
        self.status() != AuthStatus::Loading
    }

    /// A verified session is there.
    pub fn is_signed_in(&self) -> bool {
        self.status() == AuthStatus::SignedIn
    }

    /// clerk-js itself has loaded in this browser (widgets can mount).
    pub fn clerk_loaded(&self) -> bool {
        self.ctx.clerk_loaded.get()
    }

    /// The caller as the app's own type `U`.
    pub fn user<U: AuthUser + Clone>(&self) -> Option<U> {
        self.caller()
            .flatten()
            .and_then(|user| user.as_any().downcast_ref::<U>().cloned())
    }

    /// The caller's name as the app gives it.
    pub fn display_name(&self) -> Option<String> {
        self.caller().flatten().map(|user| user.display_name())
    }

    /// Clerk's user id.
    pub fn user_id(&self) -> Option<String> {
        self.caller().flatten().map(|u| u.user_id().to_owned())
    }

    /// The session's id.
    pub fn session_id(&self) -> Option<String> {
        self.caller()
            .flatten()
            .and_then(|u| u.session_id().map(str::to_owned))
    }

    /// The active organization.
    pub fn organization(&self) -> Option<Organization> {
        self.caller()
            .flatten()
            .and_then(|u| u.organization().cloned())
    }

    /// Clerk's `has()`: does the caller satisfy `when`?
    pub fn has(&self, when: &When) -> bool {
        when.matches(self.caller().flatten().as_deref())
    }

    /// Clerk's settings, once known.
    pub fn settings(&self) -> Option<ClerkSettings> {
        self.ctx.with_settings(|settings| settings.cloned())
    }

    /// Reads Clerk's settings (`None` until known) without copying them.
    pub fn with_settings<R>(&self, read: impl Fn(Option<&ClerkSettings>) -> R) -> R {
        self.ctx.with_settings(read)
    }

    /// Asks the server who the caller is now (after a change of claims).
    pub fn refresh(&self) {
        self.ctx.refetch();
    }

    pub(crate) fn ctx(&self) -> ClerkContext {
        self.ctx
    }

    /// A fresh session token from Clerk (which also renews the cookie and so
    /// the claims the server sees), then the state refreshed. `None` when
    /// signed out or on the server.
    pub async fn get_token(&self) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            let token = crate::js::Clerk::get()?.token(true).await.ok().flatten();
            self.refresh();
            token
        }
        #[cfg(not(feature = "hydrate"))]
        None
    }

    /// The session's token for a call, without refreshing the auth state:
    /// re-rendering every gate around the caller would throw away the very
    /// component waiting for the answer. `None` when signed out or on the
    /// server.
    pub async fn session_token(&self) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            crate::js::Clerk::get()?.token(false).await.ok().flatten()
        }
        #[cfg(not(feature = "hydrate"))]
        None
    }

    /// Confirms the user's password again for Clerk's reverification
    /// `preset` (the server's `clerk_error.metadata.reverification`, such
    /// as "strict"), so the next session token shows a fresh verification;
    /// `Err` holds a message for the user. The password goes to Clerk
    /// only, never to the app's server.
    pub async fn reverify(&self, preset: &str, password: &str) -> Result<(), String> {
        // The verification level each of Clerk's presets asks for.
        let level = if preset == "strict_mfa" {
            "multi_factor"
        } else {
            "second_factor"
        };
        #[cfg(feature = "hydrate")]
        {
            let clerk = crate::js::Clerk::get().ok_or("Clerk is not loaded yet.")?;
            let result = clerk.reverify_with_password(level, password).await;
            self.refresh();
            result
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (level, password);
            Err("Reverification runs in the browser.".into())
        }
    }

    /// Signs out through Clerk, then goes to `redirect_url`.
    pub fn sign_out(&self, redirect_url: &str) {
        #[cfg(feature = "hydrate")]
        {
            let target = redirect_url.to_owned();
            leptos::task::spawn_local(async move {
                match crate::js::Clerk::get() {
                    Some(clerk) => {
                        if let Err(err) = clerk.sign_out_to(&target).await {
                            leptos::logging::warn!("sign-out failed: {err}");
                        }
                    }
                    None => crate::navigation::go_to(&target),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = redirect_url;
    }

    /// Where a sign-out ends: the settings' `after_sign_out_url`, else `/`.
    pub fn after_sign_out_url(&self) -> String {
        self.with_settings(|s| s.map_or("/", |s| &s.after_sign_out_url).to_owned())
    }

    /// Opens Clerk's account panel at `start_path` (`/security` holds
    /// "Delete account"; the start path is @clerk/ui's
    /// `__experimental_startPath`, which its own UserButton uses); after a
    /// deletion the browser is signed out and sent to the settings'
    /// `after_sign_out_url`. `false` when clerk-js has not loaded, so the
    /// caller can say so.
    pub fn open_user_profile(&self, start_path: &str) -> bool {
        #[cfg(feature = "hydrate")]
        if let Some(clerk) = crate::js::Clerk::get().filter(|_| self.clerk_loaded()) {
            clerk.open_user_profile_modal(&crate::js::props(&[
                ("afterSignOutUrl", &self.after_sign_out_url()),
                ("__experimental_startPath", start_path),
            ]));
            return true;
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = start_path;
        false
    }

    /// The settings' sign-in page with a way back to `return_to` (a
    /// same-origin path; anything else is dropped). Before the settings
    /// are known, Clerk's conventional `/sign-in`.
    pub fn sign_in_href(&self, return_to: &str) -> String {
        self.with_settings(|s| with_redirect(s.map_or("/sign-in", |s| &s.sign_in_url), return_to))
    }

    /// Sends the browser to sign in and back to this page: what a page
    /// does when the server answers 401 (the session is gone). A sign-out
    /// in this tab navigates on its own right after telling listeners, so
    /// this waits a moment and only redirects a page that is staying put.
    /// Nothing on the server.
    pub fn redirect_to_sign_in(&self) {
        #[cfg(feature = "hydrate")]
        {
            let target = self.sign_in_href(&crate::navigation::current_location());
            set_timeout(
                move || {
                    if !crate::navigation::leaving() {
                        crate::navigation::go_to(&target)
                    }
                },
                std::time::Duration::from_millis(300),
            );
        }
    }
}
