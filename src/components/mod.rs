//! Reusable pieces of UI shared by the pages: Clerk's components for
//! Leptos, the step-up dialog, the layout, and the one way user data goes
//! into raw-text elements.

pub mod clerk;
pub mod layout;
pub mod raw_text;
pub mod step_up;

use leptos::prelude::*;

/// `resource.await`, or `None` when the resource is gone: a server render
/// its client abandoned is torn down while its `Suspend`s may still be
/// polled, and awaiting a disposed resource panics (in a server worker).
/// Every `Suspend` awaits through this and renders nothing on `None`.
pub async fn settled<T, Ser>(resource: Resource<T, Ser>) -> Option<T>
where
    T: Clone + Send + Sync + 'static,
    Ser: Send + Sync + 'static,
{
    use leptos::reactive::traits::IsDisposed;
    if resource.is_disposed() {
        return None;
    }
    Some(resource.await)
}
