//! [`ClerkIslands`]: the auth state of an app built with Leptos islands.
//!
//! In an islands app the page is rendered on the server only, and each
//! island hydrates as a root of its own: no provider runs in the browser
//! above them. The server still wraps the app in [`crate::ClerkProvider`]
//! (its gates render from the verified token there); the app places one
//! island of its own first in the body that renders `ClerkIslands` with
//! the server's answer and the settings as props. In the browser it makes
//! that the page's state, which every island's hooks, widgets and the
//! step-up dialog then read, and loads clerk-js.
//!
//! What the server rendered outside the islands cannot change in place, so
//! when Clerk reports a change (a sign-in or sign-out in another tab, a
//! revoked session, an organization switch, new claims in a refreshed
//! token) it asks the server again, and when the server's answer gives
//! the caller other access than the page's ([`crate::AuthUser::same_access`]:
//! another user, session or organization, other permissions, features or
//! plans), it loads the page again: the server decides what the page shows,
//! as it did the first time. Any other difference (a name the webhooks
//! brought meanwhile), and whatever `use_auth().refresh()` finds (after a
//! change the page made itself, such as a rename), updates the islands in
//! place.

use crate::{settings::ClerkSettings, user::AuthUser};
use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// The page's auth state for an islands app (see the module): render it
/// from the app's own island (islands cannot be generic), first in the
/// body, with the server's answer as props.
#[component]
pub fn ClerkIslands<U>(
    /// The server's answer to "who is calling" (`None`: signed out).
    caller: Option<U>,
    /// Clerk's settings; `None` when the server has none (Clerk then
    /// does not load and the page says so).
    settings: Option<ClerkSettings>,
    /// Where to ask the server again: the app's server function (or
    /// route) that answers a `POST` with no arguments with the caller as
    /// JSON (`null`: signed out), as the server rendered it. It is
    /// fetched directly and read with the JSON reader the islands' props
    /// use, so the first-load WASM needs neither a server-function client
    /// nor a second copy of the caller's deserializer.
    endpoint: &'static str,
    /// Asks `@clerk/ui` to show optional fields (the names at sign-up).
    #[prop(optional)]
    show_optional_fields: bool,
) -> impl IntoView
where
    U: AuthUser + Clone + PartialEq + DeserializeOwned + Send + Sync + 'static,
{
    #[cfg(feature = "hydrate")]
    let error = browser::provide(caller, settings, endpoint, show_optional_fields);
    #[cfg(not(feature = "hydrate"))]
    let error = {
        let _ = (caller, settings, endpoint, show_optional_fields);
        RwSignal::new(None::<String>)
    };
    view! {
        {move || {
            error.try_get().flatten().map(|message| {
                view! {
                    <div class="clerk-error" role="alert" data-testid="clerk-error">
                        {message}
                    </div>
                }
            })
        }}
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::{
        components::provider::{browser::start, hydrated},
        context::{Caller, ClerkContext},
        settings::ClerkSettings,
        user::AuthUser,
    };
    use leptos::{prelude::*, task::spawn_local};
    use serde::de::DeserializeOwned;
    use std::{future::Future, pin::Pin, sync::Arc};

    fn erase<U: AuthUser>(user: Option<U>) -> Caller {
        user.map(|user| Arc::new(user) as Arc<dyn AuthUser>)
    }

    /// Makes the page's state and starts Clerk; returns the error slot.
    pub fn provide<U>(
        caller: Option<U>,
        settings: Option<ClerkSettings>,
        endpoint: &'static str,
        show_optional_fields: bool,
    ) -> RwSignal<Option<String>>
    where
        U: AuthUser + Clone + PartialEq + DeserializeOwned + Send + Sync + 'static,
    {
        // The server's answer as the app's own type (compared on each
        // change); the context reads it erased.
        let current = RwSignal::new(caller);
        // Asks the server again. A different answer updates the islands in
        // place, unless Clerk reported the change (`reload`) and it alters
        // access (`AuthUser::same_access`): what the server rendered
        // outside the islands depends on that, so the page loads again.
        let ask = move |reload: bool| {
            if reload && crate::navigation::leaving() {
                return;
            }
            spawn_local(async move {
                // A failed request or an answer that does not read as
                // the caller changes nothing: the page stays as it is.
                let Some(answer) = crate::fetch::post_form(endpoint)
                    .await
                    .filter(|answer| answer.ok)
                    .and_then(|answer| {
                        leptos::serde_json::from_str::<Option<U>>(&answer.body).ok()
                    })
                else {
                    return;
                };
                let Some(same) = current.try_with_untracked(|now| *now == answer) else {
                    return;
                };
                if same {
                    return;
                }
                let same_access = current.with_untracked(|now| match (now, &answer) {
                    (Some(now), Some(new)) => now.same_access(new),
                    (None, None) => true,
                    _ => false,
                });
                if reload && !same_access {
                    crate::navigation::reload();
                } else {
                    current.set(answer);
                }
            })
        };
        let known = StoredValue::new(settings.clone());
        let ctx = ClerkContext {
            caller: Signal::derive(move || current.try_with(|now| erase(now.clone()))),
            settled: StoredValue::new(Arc::new(move || {
                let now = current.try_with_untracked(|now| erase(now.clone()));
                Box::pin(async move { now }) as Pin<Box<dyn Future<Output = Option<Caller>> + Send>>
            })),
            refetch: StoredValue::new(Arc::new(move || ask(false))),
            settings: StoredValue::new(Arc::new(
                move |read: &mut dyn FnMut(Option<&ClerkSettings>)| {
                    if known.try_with_value(|s| read(s.as_ref())).is_none() {
                        read(None);
                    }
                },
            )),
            clerk_loaded: RwSignal::new(false),
            error: RwSignal::new(None),
        };
        ctx.set_for_page();
        provide_context(ctx);

        let Some(settings) = settings else {
            return ctx.error;
        };
        let hydrated = hydrated();
        let started = StoredValue::new(false);
        Effect::new(move |_| {
            // After every island has hydrated: see `ClerkProvider`.
            if !hydrated.get() || started.get_value() {
                return;
            }
            started.set_value(true);
            start(
                ctx,
                settings.clone(),
                show_optional_fields,
                move |has_session| {
                    if has_session {
                        ask(true);
                    } else if current.with_untracked(Option::is_some) {
                        // A sign-out in this tab navigates on its own right
                        // after telling listeners (to the after-sign-out page,
                        // which a reload here would race): only a page that is
                        // staying put asks again.
                        set_timeout(move || ask(true), std::time::Duration::from_millis(300));
                    }
                    // Signed out and still signed out: nothing to ask.
                },
            );
        });
        ctx.error
    }
}
