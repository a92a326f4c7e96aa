//! The context [`crate::ClerkProvider`] shares with everything below it:
//! the caller as the server answered (erased to `dyn AuthUser`, so that the
//! gates and hooks need no type parameter), Clerk's settings, and whether
//! clerk-js has loaded.

use crate::{settings::ClerkSettings, user::AuthUser};
use leptos::prelude::*;
use std::{future::Future, pin::Pin, sync::Arc};

/// The caller as the provider holds it: `None` when signed out.
pub(crate) type Caller = Option<Arc<dyn AuthUser>>;

pub(crate) type SettingsReader = Arc<dyn Fn(&mut dyn FnMut(Option<&ClerkSettings>)) + Send + Sync>;

pub(crate) type Settled =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Option<Caller>> + Send>> + Send + Sync>;

#[cfg(feature = "hydrate")]
thread_local! {
    /// The page's state in an islands app (set by `ClerkIslands`).
    static PAGE: std::cell::Cell<Option<ClerkContext>> = const { std::cell::Cell::new(None) };
}

/// What `ClerkProvider` shares with everything below it.
#[derive(Clone, Copy)]
pub(crate) struct ClerkContext {
    /// `None` while the server's answer is on its way.
    pub caller: Signal<Option<Caller>>,
    /// Waits for the server's answer; `None` when the render that asked
    /// has been torn down.
    pub settled: StoredValue<Settled>,
    pub refetch: StoredValue<Arc<dyn Fn() + Send + Sync>>,
    /// Reads the settings in place (`None` until known); tracked.
    pub settings: StoredValue<SettingsReader>,
    /// clerk-js has loaded (widgets can mount).
    pub clerk_loaded: RwSignal<bool>,
    /// Shown on the page when clerk-js cannot load.
    pub error: RwSignal<Option<String>>,
}

impl ClerkContext {
    /// The provider's context; outside one, a context that knows nobody.
    pub fn get() -> Self {
        let found = use_context::<ClerkContext>();
        // In an islands app each island is its own root: the state comes
        // from the page (see `crate::ClerkIslands`), not from a provider.
        #[cfg(feature = "hydrate")]
        let found = found.or_else(|| PAGE.with(std::cell::Cell::get));
        found.unwrap_or_else(|| {
            // Either a component outside `ClerkProvider` (a mistake, said
            // here) or one rendered while a server render its client
            // abandoned is being torn down (its owners already gone):
            // neither may panic a server worker.
            leptos::logging::warn!(
                "Clerk components need a ClerkProvider above them (or this render was abandoned)"
            );
            ClerkContext::detached()
        })
    }

    /// Makes this the page's state, for islands that have no provider
    /// above them (in the browser: one page, one thread).
    #[cfg(feature = "hydrate")]
    pub fn set_for_page(self) {
        PAGE.with(|page| page.set(Some(self)));
    }

    /// A context with nobody signed in and Clerk not loaded.
    fn detached() -> Self {
        ClerkContext {
            caller: Signal::derive(|| Some(None)),
            settled: StoredValue::new(Arc::new(|| {
                Box::pin(async { Some(None) })
                    as Pin<Box<dyn Future<Output = Option<Caller>> + Send>>
            })),
            refetch: StoredValue::new(Arc::new(|| {})),
            settings: StoredValue::new(Arc::new(|read: &mut dyn FnMut(Option<&ClerkSettings>)| {
                read(None)
            })),
            clerk_loaded: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Waits for the server's answer; `None` when this render is gone.
    pub async fn settled(&self) -> Option<Caller> {
        let wait = self.settled.try_get_value()?;
        wait().await
    }

    /// Reads the settings in place (`None` until known, or when this
    /// render is gone).
    pub fn with_settings<R>(&self, read: impl Fn(Option<&ClerkSettings>) -> R) -> R {
        let mut out = None;
        if let Some(reader) = self.settings.try_get_value() {
            reader(&mut |settings| out = Some(read(settings)));
        }
        out.unwrap_or_else(|| read(None))
    }

    /// Asks the server again who is calling.
    pub fn refetch(&self) {
        if let Some(refetch) = self.refetch.try_get_value() {
            refetch();
        }
    }
}
