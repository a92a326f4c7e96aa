//! [`ClerkProvider`]: the auth state every component below it reads, and,
//! in the browser, clerk-js loaded and listened to.
//!
//! The state is the app's own resource: the server's verdict on the caller
//! (from the verified session token), resolved before the page is sent,
//! hydrated from the page, and refetched whenever Clerk reports a change
//! (sign-in, sign-out, a refreshed token) — so what the gates read always
//! comes from the latest verified token, never from the browser. The
//! provider holds it erased (`dyn AuthUser`), so that the gates and hooks
//! need no type parameter; an app reads its own type back with
//! [`crate::use_user`].

use crate::{
    context::{Caller, ClerkContext},
    settings::ClerkSettings,
    user::AuthUser,
};
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use std::{future::Future, pin::Pin, sync::Arc};

/// Holds the auth state for the app below it and, in the browser, loads
/// clerk-js (with `@clerk/ui`) once the page has hydrated, then listens to
/// it. When clerk-js cannot load, it says so in a `div.clerk-error`
/// (`role="alert"`) above the children.
#[component]
pub fn ClerkProvider<U, E>(
    /// The app's resource holding the server's answer to "who is calling"
    /// (`Ok(None)` when signed out). An error shows the signed-out UI; the
    /// server still decides every request.
    current: Resource<Result<Option<U>, E>>,
    /// The app's resource holding [`ClerkSettings`]; make it blocking
    /// (`Resource::new_blocking`), so the page arrives with it.
    settings: Resource<Result<ClerkSettings, E>>,
    /// Asks `@clerk/ui` to show optional fields (the names at sign-up),
    /// which it leaves off unless told.
    #[prop(optional)]
    show_optional_fields: bool,
    children: Children,
) -> impl IntoView
where
    U: AuthUser + Clone + Serialize + DeserializeOwned,
    E: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    let ctx = ClerkContext {
        // `try_get`: a server render whose client has gone away is torn
        // down while resource tasks may still ask; they then see
        // "loading" instead of panicking a server worker. (Not a memo: on
        // the server a memo read during such a teardown can panic inside
        // reactive_graph; the bench's load found it.)
        caller: Signal::derive(move || current.try_get().flatten().map(erase)),
        settled: StoredValue::new(Arc::new(move || {
            Box::pin(async move { crate::components::settled(current).await.map(erase) })
                as Pin<Box<dyn Future<Output = Option<Caller>> + Send>>
        })),
        refetch: StoredValue::new(Arc::new(move || current.refetch())),
        // Read in place: the buttons need one field each, not a copy of
        // all of them per read.
        settings: StoredValue::new(Arc::new(
            move |read: &mut dyn FnMut(Option<&ClerkSettings>)| {
                let known = settings.try_with(|answer| {
                    read(answer.as_ref().and_then(|answer| answer.as_ref().ok()))
                });
                if known.is_none() {
                    read(None);
                }
            },
        )),
        clerk_loaded: RwSignal::new(false),
        error: RwSignal::new(None),
    };
    provide_context(ctx);

    #[cfg(feature = "hydrate")]
    {
        let started = StoredValue::new(false);
        let hydrated = hydrated();
        Effect::new(move |_| {
            // Not before the page has hydrated: Clerk's first report
            // refetches `current`, and a gate still hydrating (in a lazy
            // route whose code is downloading) would then render something
            // other than the server's HTML.
            if !hydrated.get() {
                return;
            }
            let Some(settings) = ctx.with_settings(|settings| settings.cloned()) else {
                return;
            };
            if started.get_value() {
                return;
            }
            started.set_value(true);
            // Every change Clerk reports (a new or ended session, a
            // refreshed token on focus or timer) asks the server again.
            // Signed out and still signed out asks nothing: refetching
            // re-renders the gates, which would mount the sign-in form
            // afresh and wipe what the visitor is typing.
            browser::start(ctx, settings, show_optional_fields, move |has_session| {
                let server_signed_out = matches!(ctx.caller.get_untracked(), Some(None));
                if has_session || !server_signed_out {
                    ctx.refetch();
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = show_optional_fields;

    // `try_get` in every view closure here and below: a server render its
    // client abandoned is torn down while its async parts may still be
    // rendering, and reading a disposed signal would panic a server worker.
    view! {
        {move || {
            ctx.error
                .try_get()
                .flatten()
                .map(|message| {
                    view! {
                        <div class="clerk-error" role="alert" data-testid="clerk-error">
                            {message}
                        </div>
                    }
                })
        }}
        {children()}
    }
}

/// The server's answer as the provider holds it (an error: signed out).
fn erase<U: AuthUser, E>(answer: Result<Option<U>, E>) -> Caller {
    answer
        .ok()
        .flatten()
        .map(|user| Arc::new(user) as Arc<dyn AuthUser>)
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// Whether the page has finished hydrating (see [`hydration_finished`]).
    static HYDRATED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Whether the page has finished hydrating, as a signal.
#[cfg(feature = "hydrate")]
pub(crate) fn hydrated() -> ArcRwSignal<bool> {
    HYDRATED.with(Clone::clone)
}

/// Tells the provider that hydration is over, so clerk-js may start: call
/// it right after `hydrate_body` (or `hydrate_islands`) in the app's
/// `hydrate()`. Until then Clerk is not loaded, so that its first report
/// cannot change what a still-hydrating gate renders.
#[cfg(feature = "hydrate")]
pub fn hydration_finished() {
    HYDRATED.with(|hydrated| hydrated.set(true));
}

#[cfg(feature = "hydrate")]
pub(crate) mod browser {
    use crate::{context::ClerkContext, js, settings::ClerkSettings};
    use leptos::prelude::*;
    use leptos::task::spawn_local;

    /// Loads clerk-js, then calls `on_change` with whether Clerk has a
    /// session each time Clerk reports a change.
    pub fn start(
        ctx: ClerkContext,
        settings: ClerkSettings,
        show_optional_fields: bool,
        on_change: impl Fn(bool) + 'static,
    ) {
        let script = settings.script_url.clone();
        js::inject_scripts(
            &settings.script_url,
            &settings.ui_script_url,
            &settings.publishable_key,
            settings.proxy_url.as_deref(),
            move |loaded| match loaded {
                Err(err) => fail(ctx, &format!("{err} ({script})")),
                Ok(()) => spawn_local(async move {
                    let Some(clerk) = js::Clerk::get() else {
                        return fail(ctx, "clerk-js loaded but window.Clerk is missing");
                    };
                    let options = js::props(&[
                        ("signInUrl", &settings.sign_in_url),
                        ("signUpUrl", &settings.sign_up_url),
                        ("signInFallbackRedirectUrl", &settings.after_sign_in_url),
                        ("signUpFallbackRedirectUrl", &settings.after_sign_up_url),
                        ("afterSignOutUrl", &settings.after_sign_out_url),
                    ]);
                    if show_optional_fields {
                        js::show_optional_fields(&options);
                    }
                    if let Err(err) = clerk.load_with(&options).await {
                        return fail(ctx, &err);
                    }
                    ctx.clerk_loaded.set(true);
                    let _ = window_event_listener(leptos::ev::beforeunload, |_| {
                        crate::navigation::set_leaving()
                    });
                    clerk.on_change(move |session| on_change(session.is_some()));
                }),
            },
        );
    }

    fn fail(ctx: ClerkContext, detail: &str) {
        leptos::logging::warn!("Clerk failed to load: {detail}");
        ctx.error.set(Some(
            "Sign-in is unavailable right now: Clerk could not be loaded. \
             Check your connection and reload the page."
                .into(),
        ));
    }
}
