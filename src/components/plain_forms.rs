//! What a plain form post brings back in the address. Without JavaScript
//! (or before an island has hydrated) a form aimed at a server function is
//! posted by the browser, and Leptos sends it back to the page with the
//! error in the query (`?__path=<the function>&__err=<its error>`); the
//! server renders the page with that error shown where the form is. An
//! island hydrating that page must start from the same error, or what it
//! renders would not match the server's HTML.

/// Makes the error a plain form post left in this page's address known to
/// the `ServerAction`s the calling island creates next (on the server the
/// router does this). Call it at the top of an island with action forms.
pub fn provide_action_error() {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::*;
        let Ok(search) = window().location().search() else {
            return;
        };
        let Ok(query) = web_sys::UrlSearchParams::new_with_str(&search) else {
            return;
        };
        if let (Some(path), Some(err)) = (query.get("__path"), query.get("__err")) {
            provide_context(leptos::server::ServerActionError::new(&path, &err));
        }
    }
}
