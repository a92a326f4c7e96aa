//! Data the server loads for an island. The page (a server component)
//! fetches it and hands it to the island as a prop, so the server's HTML
//! and the island's first render come from the very same value, whatever
//! else the server was rendering meanwhile; the island then asks again
//! only when something in the browser changes it (a post published, a
//! search run). A resource created inside an island would instead depend
//! on Leptos serialising it into the page, which it does only while no
//! other part of the page is being rendered at the same moment.
//!
//! [`call`] asks a server function without arguments again the way the
//! smallest islands do (see `leptos_clerk::fetch`).

use leptos::prelude::*;
use std::future::Future;

/// `initial` (the server's answer), then `fetch`'s answer each time
/// `source` changes in the browser.
pub fn refreshed<T, K, Fut>(
    initial: T,
    source: impl Fn() -> K + 'static,
    fetch: impl Fn() -> Fut + 'static,
) -> ReadSignal<T>
where
    T: Send + Sync + 'static,
    K: PartialEq + 'static,
    Fut: Future<Output = T> + 'static,
{
    let (value, set_value) = signal(initial);
    // Effects run in the browser only: the server renders `initial`.
    Effect::new(move |before: Option<K>| {
        let now = source();
        if before.is_some_and(|before| before != now) {
            let answer = fetch();
            leptos::task::spawn_local(async move { set_value.set(answer.await) });
        }
        now
    });
    value
}

/// Calls the server function at `endpoint` (one without arguments) with
/// the browser's `fetch` and reads its answer, or its `AppError`, with the
/// props' JSON reader: for an island on a page whose first load must stay
/// small (the server-function client weighs more than the island). A call
/// that fails on the way is the error the server-function client would
/// have made of it (`AppError::from_server_fn_error`).
#[cfg(feature = "hydrate")]
pub async fn call<T: serde::de::DeserializeOwned>(
    endpoint: &str,
) -> Result<T, crate::error::AppError> {
    use crate::error::AppError;
    use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
    let unreadable = |e: leptos::serde_json::Error| {
        AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(e.to_string()))
    };
    let Some(answer) = leptos_clerk::fetch::post_form(endpoint).await else {
        return Err(AppError::from_server_fn_error(ServerFnErrorErr::Request(
            "no answer".into(),
        )));
    };
    if answer.ok {
        leptos::serde_json::from_str(&answer.body).map_err(unreadable)
    } else {
        Err(leptos::serde_json::from_str(&answer.body).unwrap_or_else(unreadable))
    }
}
