//! The components: the provider (and its islands half), the gates that
//! only hide UI, Clerk's widgets mounted from Rust, the sign-in/up/out
//! buttons and the step-up dialog.

pub mod gates;
pub mod islands;
pub mod provider;
pub mod step_up;
pub mod widgets;

use leptos::prelude::*;

/// `resource.await`, or `None` when the resource is gone: a server render
/// its client abandoned is torn down while its `Suspend`s may still be
/// polled, and awaiting a disposed resource panics (in a server worker).
/// Every `Suspend` here awaits through this and renders nothing on `None`;
/// an app's own `Suspend`s can do the same.
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
