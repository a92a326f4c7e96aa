//! Data the server loads for an island. The page (a server component)
//! fetches it and hands it to the island as a prop, so the server's HTML
//! and the island's first render come from the very same value, whatever
//! else the server was rendering meanwhile; the island then asks again
//! only when something in the browser changes it (a post published, a
//! search run). A resource created inside an island would instead depend
//! on Leptos serialising it into the page, which it does only while no
//! other part of the page is being rendered at the same moment.

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
